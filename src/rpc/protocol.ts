// Constants of libvirt's RPC framing and programs (libvirt: virnetprotocol.x,
// virkeepaliveprotocol.x, remote_protocol.x, qemu_protocol.x, lxc_protocol.x, libvirt_internal.h).

/** Program numbers; every program is at version 1. */
export const Program = {
  REMOTE: 0x20008086,
  KEEPALIVE: 0x6b656570, // "keep"
  QEMU: 0x20008087,
  LXC: 0x00068000,
} as const;
export const PROGRAM_VERSION = 1;

/** virNetMessageType */
export enum MessageType {
  CALL = 0,
  REPLY = 1,
  MESSAGE = 2,
  STREAM = 3,
  CALL_WITH_FDS = 4,
  REPLY_WITH_FDS = 5,
  STREAM_HOLE = 6,
}

/** virNetMessageStatus */
export enum MessageStatus {
  OK = 0,
  ERROR = 1,
  CONTINUE = 2,
}

/** Keepalive program procedures. */
export enum KeepaliveProc {
  PING = 1,
  PONG = 2,
}

/** VIR_NET_MESSAGE_MAX: header + payload, excluding the 4-byte length word (libvirt 9.0). */
export const MESSAGE_MAX = 33554432;
/** VIR_NET_MESSAGE_LEN_MAX: the length word itself. */
export const LEN_SIZE = 4;
/** VIR_NET_MESSAGE_HEADER_MAX: prog..status. */
export const HEADER_SIZE = 24;
/** Smallest legal packet: length word + header, empty payload. */
export const PACKET_MIN = LEN_SIZE + HEADER_SIZE; // 28
/** Largest legal `len` word (libvirtd 9.0.0 accepts 33554436 and drops 33554440). */
export const PACKET_MAX = LEN_SIZE + MESSAGE_MAX; // 33554436
/** VIR_NET_MESSAGE_PAYLOAD_MAX */
export const PAYLOAD_MAX = MESSAGE_MAX - HEADER_SIZE - LEN_SIZE; // 33554408 (as the .x defines it)
/** VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX: stream data chunk size used by real clients and servers. */
export const LEGACY_PAYLOAD_MAX = 262120;
/** VIR_NET_MESSAGE_INITIAL: buffer growth hint. */
export const MESSAGE_INITIAL = 65536;
/** VIR_NET_MESSAGE_NUM_FDS_MAX */
export const NUM_FDS_MAX = 32;

/** REMOTE_STRING_MAX / VIR_NET_MESSAGE_STRING_MAX */
export const STRING_MAX = 4194304;
/** VIR_UUID_BUFLEN */
export const UUID_BUFLEN = 16;
/** VIR_TYPED_PARAM_FIELD_LENGTH (including the NUL) */
export const TYPED_PARAM_FIELD_LENGTH = 80;
/** VIR_TYPED_PARAM_STRING_OKAY: the caller accepts STRING-typed params in replies. */
export const TYPED_PARAM_STRING_OKAY = 4;

/** List maxima from remote_protocol.x (libvirt 9.0 values). */
export const Limits = {
  DOMAIN_LIST_MAX: 16384,
  NETWORK_LIST_MAX: 16384,
  INTERFACE_LIST_MAX: 16384,
  NODE_DEVICE_LIST_MAX: 65536,
  NODE_DEVICE_CAPS_LIST_MAX: 65536,
  STORAGE_POOL_LIST_MAX: 16384,
  STORAGE_VOL_LIST_MAX: 16384,
  DOMAIN_SNAPSHOT_LIST_MAX: 16384,
  AUTH_TYPE_LIST_MAX: 20,
  CONNECT_GET_ALL_DOMAIN_STATS_MAX: 262144,
  DOMAIN_MEMORY_PARAMETERS_MAX: 16,
  DOMAIN_NUMA_PARAMETERS_MAX: 16,
  DOMAIN_BLKIO_PARAMETERS_MAX: 16,
  DOMAIN_SCHEDULER_PARAMETERS_MAX: 16,
  DOMAIN_BLOCK_STATS_PARAMETERS_MAX: 16,
  DOMAIN_JOB_STATS_MAX: 64,
  DOMAIN_MEMORY_STATS_MAX: 1024,
  NODE_MEMORY_STATS_MAX: 16,
  CPUMAP_MAX: 2048,
  CPUMAPS_MAX: 8388608,
  VCPUINFO_MAX: 16384,
  NODE_MAX_CELLS: 1024,
  DOMAIN_EVENT_TUNABLE_MAX: 2048,
  DOMAIN_EVENT_GRAPHICS_IDENTITY_MAX: 20,
  SECRET_VALUE_MAX: 65536,
  AUTH_SASL_DATA_MAX: 65536,
  MIGRATE_COOKIE_MAX: 4194304,
  NETWORK_DHCP_LEASES_MAX: 65536,
  DOMAIN_INTERFACE_MAX: 2048,
  DOMAIN_IP_ADDR_MAX: 2048,
  DOMAIN_MESSAGES_MAX: 2048,
  DOMAIN_DISK_ERRORS_MAX: 256,
  DOMAIN_SEND_KEY_MAX: 16,
  DOMAIN_FSFREEZE_MOUNTPOINTS_MAX: 256,
  DOMAIN_FSINFO_MAX: 256,
  DOMAIN_FSINFO_DISKS_MAX: 256,
  /** VIR_SECURITY_MODEL_BUFLEN / VIR_SECURITY_DOI_BUFLEN (256 + 1) */
  SECURITY_MODEL_MAX: 257,
  SECURITY_DOI_MAX: 257,
  /** VIR_SECURITY_LABEL_BUFLEN (4096 + 1) */
  SECURITY_LABEL_MAX: 4097,
} as const;

/** virDrvFeature numbers answered by CONNECT_SUPPORTS_FEATURE (libvirt_internal.h). */
export enum DrvFeature {
  MIGRATION_V1 = 1,
  REMOTE = 2,
  MIGRATION_V2 = 3,
  MIGRATION_P2P = 4,
  MIGRATION_DIRECT = 5,
  MIGRATION_V3 = 6,
  MIGRATE_CHANGE_PROTECTION = 7,
  FD_PASSING = 8,
  TYPED_PARAM_STRING = 9,
  PROGRAM_KEEPALIVE = 10,
  XML_MIGRATABLE = 11,
  MIGRATION_OFFLINE = 12,
  MIGRATION_PARAMS = 13,
  REMOTE_EVENT_CALLBACK = 14,
  REMOTE_CLOSE_CALLBACK = 15,
  NETWORK_UPDATE_HAS_CORRECT_ORDER = 16,
}

/** remote_auth_type */
export enum AuthType {
  NONE = 0,
  SASL = 1,
  POLKIT = 2,
}

/** virConnectCloseReason, carried by CONNECT_EVENT_CONNECTION_CLOSED. */
export enum CloseReason {
  ERROR = 0,
  EOF = 1,
  KEEPALIVE = 2,
  CLIENT = 3,
}

/** CONNECT_OPEN flags */
export const CONNECT_RO = 1;
export const CONNECT_NO_ALIASES = 2;

/** Highest REMOTE_PROGRAM procedure number libvirt 9.0.0 knows. */
export const REMOTE_PROC_LAST = 443;
