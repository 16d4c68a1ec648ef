// libvirt's public enums and flags with their numeric values (libvirt 9.0), so code written
// against libvirt's documentation works unchanged. Names drop the VIR_ prefix per family.

export enum DomainState { NOSTATE = 0, RUNNING = 1, BLOCKED = 2, PAUSED = 3, SHUTDOWN = 4, SHUTOFF = 5, CRASHED = 6, PMSUSPENDED = 7 }
export enum DomainRunningReason { UNKNOWN = 0, BOOTED = 1, MIGRATED = 2, RESTORED = 3, FROM_SNAPSHOT = 4, UNPAUSED = 5, MIGRATION_CANCELED = 6, SAVE_CANCELED = 7, WAKEUP = 8, CRASHED = 9, POSTCOPY = 10, POSTCOPY_FAILED = 11 }
export enum DomainPausedReason { UNKNOWN = 0, USER = 1, MIGRATION = 2, SAVE = 3, DUMP = 4, IOERROR = 5, WATCHDOG = 6, FROM_SNAPSHOT = 7, SHUTTING_DOWN = 8, SNAPSHOT = 9, CRASHED = 10, STARTING_UP = 11, POSTCOPY = 12, POSTCOPY_FAILED = 13, API_ERROR = 14 }
export enum DomainShutdownReason { UNKNOWN = 0, USER = 1 }
export enum DomainShutoffReason { UNKNOWN = 0, SHUTDOWN = 1, DESTROYED = 2, CRASHED = 3, MIGRATED = 4, SAVED = 5, FAILED = 6, FROM_SNAPSHOT = 7, DAEMON = 8 }
export enum DomainCrashedReason { UNKNOWN = 0, PANICKED = 1 }
export enum DomainPMSuspendedReason { UNKNOWN = 0 }
export enum DomainNostateReason { UNKNOWN = 0 }
export enum DomainBlockedReason { UNKNOWN = 0 }

export const ConnectFlags = { RO: 1, NO_ALIASES: 2 } as const;

export const ListAllDomainsFlags = {
  ACTIVE: 1, INACTIVE: 2, PERSISTENT: 4, TRANSIENT: 8, RUNNING: 16, PAUSED: 32, SHUTOFF: 64, OTHER: 128,
  MANAGEDSAVE: 256, NO_MANAGEDSAVE: 512, AUTOSTART: 1024, NO_AUTOSTART: 2048, HAS_SNAPSHOT: 4096,
  NO_SNAPSHOT: 8192, HAS_CHECKPOINT: 16384, NO_CHECKPOINT: 32768,
} as const;
export const ListAllNetworksFlags = { INACTIVE: 1, ACTIVE: 2, PERSISTENT: 4, TRANSIENT: 8, AUTOSTART: 16, NO_AUTOSTART: 32 } as const;
export const ListAllStoragePoolsFlags = {
  INACTIVE: 1, ACTIVE: 2, PERSISTENT: 4, TRANSIENT: 8, AUTOSTART: 16, NO_AUTOSTART: 32, DIR: 64, FS: 128,
  NETFS: 256, LOGICAL: 512, DISK: 1024, ISCSI: 2048, SCSI: 4096, MPATH: 8192, RBD: 16384, SHEEPDOG: 32768,
  GLUSTER: 65536, ZFS: 131072, VSTORAGE: 262144, ISCSI_DIRECT: 524288,
} as const;

export const DomainXMLFlags = { SECURE: 1, INACTIVE: 2, UPDATE_CPU: 4, MIGRATABLE: 8 } as const;
export const DomainAffectFlags = { CURRENT: 0, LIVE: 1, CONFIG: 2 } as const;
export const DomainVcpuFlags = { CURRENT: 0, LIVE: 1, CONFIG: 2, MAXIMUM: 4, GUEST: 8, HOTPLUGGABLE: 16 } as const;
export const DomainMemoryModFlags = { CURRENT: 0, LIVE: 1, CONFIG: 2, MAXIMUM: 4 } as const;
export const DomainDeviceModifyFlags = { CURRENT: 0, LIVE: 1, CONFIG: 2, FORCE: 4 } as const;
export const DomainUndefineFlags = { MANAGED_SAVE: 1, SNAPSHOTS_METADATA: 2, NVRAM: 4, KEEP_NVRAM: 8, CHECKPOINTS_METADATA: 16, TPM: 32, KEEP_TPM: 64 } as const;
export const DomainCreateFlags = { NONE: 0, START_PAUSED: 1, START_AUTODESTROY: 2, START_BYPASS_CACHE: 4, START_FORCE_BOOT: 8, START_VALIDATE: 16, START_RESET_NVRAM: 32 } as const;
export const DomainDefineFlags = { VALIDATE: 1 } as const;
export const DomainDestroyFlags = { DEFAULT: 0, GRACEFUL: 1, REMOVE_LOGS: 2 } as const;
export const DomainShutdownFlags = { DEFAULT: 0, ACPI_POWER_BTN: 1, GUEST_AGENT: 2, INITCTL: 4, SIGNAL: 8, PARAVIRT: 16 } as const;
export const DomainRebootFlags = DomainShutdownFlags;
export const DomainSaveRestoreFlags = { BYPASS_CACHE: 1, RUNNING: 2, PAUSED: 4, RESET_NVRAM: 8 } as const;
export const DomainConsoleFlags = { FORCE: 1, SAFE: 2 } as const;
export const DomainMetadataType = { DESCRIPTION: 0, TITLE: 1, ELEMENT: 2 } as const;
export const DomainInterfaceAddressesSource = { LEASE: 0, AGENT: 1, ARP: 2 } as const;

export const DomainSnapshotCreateFlags = {
  REDEFINE: 1, CURRENT: 2, NO_METADATA: 4, HALT: 8, DISK_ONLY: 16, REUSE_EXT: 32, QUIESCE: 64, ATOMIC: 128, LIVE: 256, VALIDATE: 512,
} as const;
export const DomainSnapshotListFlags = {
  ROOTS: 1, DESCENDANTS: 1, METADATA: 2, LEAVES: 4, NO_LEAVES: 8, NO_METADATA: 16, INACTIVE: 32, ACTIVE: 64,
  DISK_ONLY: 128, INTERNAL: 256, EXTERNAL: 512, TOPOLOGICAL: 1024,
} as const;
export const DomainSnapshotRevertFlags = { RUNNING: 1, PAUSED: 2, FORCE: 4, RESET_NVRAM: 8 } as const;
export const DomainSnapshotDeleteFlags = { CHILDREN: 1, METADATA_ONLY: 2, CHILDREN_ONLY: 4 } as const;

export const DomainStatsTypes = {
  STATE: 1, CPU_TOTAL: 2, BALLOON: 4, VCPU: 8, INTERFACE: 16, BLOCK: 32, PERF: 64, IOTHREAD: 128, MEMORY: 256, DIRTYRATE: 512, VM: 1024,
} as const;
export const ConnectGetAllDomainStatsFlags = {
  ACTIVE: 1, INACTIVE: 2, PERSISTENT: 4, TRANSIENT: 8, RUNNING: 16, PAUSED: 32, SHUTOFF: 64, OTHER: 128,
  NOWAIT: 0x20000000, BACKING: 0x40000000, ENFORCE_STATS: 0x80000000,
} as const;

export enum DomainMemoryStatTags {
  SWAP_IN = 0, SWAP_OUT = 1, MAJOR_FAULT = 2, MINOR_FAULT = 3, UNUSED = 4, AVAILABLE = 5, ACTUAL_BALLOON = 6,
  RSS = 7, USABLE = 8, LAST_UPDATE = 9, DISK_CACHES = 10, HUGETLB_PGALLOC = 11, HUGETLB_PGFAIL = 12,
}

export enum DomainEventID {
  LIFECYCLE = 0, REBOOT = 1, RTC_CHANGE = 2, WATCHDOG = 3, IO_ERROR = 4, GRAPHICS = 5, IO_ERROR_REASON = 6,
  CONTROL_ERROR = 7, BLOCK_JOB = 8, DISK_CHANGE = 9, TRAY_CHANGE = 10, PMWAKEUP = 11, PMSUSPEND = 12,
  BALLOON_CHANGE = 13, PMSUSPEND_DISK = 14, DEVICE_REMOVED = 15, BLOCK_JOB_2 = 16, TUNABLE = 17,
  AGENT_LIFECYCLE = 18, DEVICE_ADDED = 19, MIGRATION_ITERATION = 20, JOB_COMPLETED = 21,
  DEVICE_REMOVAL_FAILED = 22, METADATA_CHANGE = 23, BLOCK_THRESHOLD = 24, MEMORY_FAILURE = 25,
  MEMORY_DEVICE_SIZE_CHANGE = 26,
}
export enum DomainEventType { DEFINED = 0, UNDEFINED = 1, STARTED = 2, SUSPENDED = 3, RESUMED = 4, STOPPED = 5, SHUTDOWN = 6, PMSUSPENDED = 7, CRASHED = 8 }
export enum DomainEventDefinedDetail { ADDED = 0, UPDATED = 1, RENAMED = 2, FROM_SNAPSHOT = 3 }
export enum DomainEventUndefinedDetail { REMOVED = 0, RENAMED = 1 }
export enum DomainEventStartedDetail { BOOTED = 0, MIGRATED = 1, RESTORED = 2, FROM_SNAPSHOT = 3, WAKEUP = 4 }
export enum DomainEventSuspendedDetail { PAUSED = 0, MIGRATED = 1, IOERROR = 2, WATCHDOG = 3, RESTORED = 4, FROM_SNAPSHOT = 5, API_ERROR = 6, POSTCOPY = 7, POSTCOPY_FAILED = 8 }
export enum DomainEventResumedDetail { UNPAUSED = 0, MIGRATED = 1, FROM_SNAPSHOT = 2, POSTCOPY = 3, POSTCOPY_FAILED = 4 }
export enum DomainEventStoppedDetail { SHUTDOWN = 0, DESTROYED = 1, CRASHED = 2, MIGRATED = 3, SAVED = 4, FAILED = 5, FROM_SNAPSHOT = 6 }
export enum DomainEventShutdownDetail { FINISHED = 0, GUEST = 1, HOST = 2 }
export enum DomainEventPMSuspendedDetail { MEMORY = 0, DISK = 1 }
export enum DomainEventCrashedDetail { PANICKED = 0, CRASHLOADED = 1 }

export enum NetworkEventID { LIFECYCLE = 0, METADATA_CHANGE = 1 }
export enum NetworkEventType { DEFINED = 0, UNDEFINED = 1, STARTED = 2, STOPPED = 3 }
export enum StoragePoolEventID { LIFECYCLE = 0, REFRESH = 1 }
export enum StoragePoolEventType { DEFINED = 0, UNDEFINED = 1, STARTED = 2, STOPPED = 3, CREATED = 4, DELETED = 5 }

export const NetworkXMLFlags = { INACTIVE: 1 } as const;
export enum NetworkUpdateCommand { NONE = 0, MODIFY = 1, DELETE = 2, ADD_LAST = 3, ADD_FIRST = 4 }
export enum NetworkUpdateSection {
  NONE = 0, BRIDGE = 1, DOMAIN = 2, IP = 3, IP_DHCP_HOST = 4, IP_DHCP_RANGE = 5, FORWARD = 6,
  FORWARD_INTERFACE = 7, FORWARD_PF = 8, PORTGROUP = 9, DNS_HOST = 10, DNS_TXT = 11, DNS_SRV = 12,
}
export const NetworkUpdateFlags = { AFFECT_CURRENT: 0, AFFECT_LIVE: 1, AFFECT_CONFIG: 2 } as const;

export enum StoragePoolState { INACTIVE = 0, BUILDING = 1, RUNNING = 2, DEGRADED = 3, INACCESSIBLE = 4 }
/** virStorageXMLFlags */
export const StorageXMLFlags = { INACTIVE: 1 } as const;
export const StoragePoolBuildFlags = { NEW: 0, REPAIR: 1, RESIZE: 2, NO_OVERWRITE: 4, OVERWRITE: 8 } as const;
export const StoragePoolCreateFlags = { NORMAL: 0, WITH_BUILD: 1, WITH_BUILD_OVERWRITE: 2, WITH_BUILD_NO_OVERWRITE: 4 } as const;
export const StoragePoolDeleteFlags = { NORMAL: 0, ZEROED: 1 } as const;
export enum StorageVolType { FILE = 0, BLOCK = 1, DIR = 2, NETWORK = 3, NETDIR = 4, PLOOP = 5 }
export const StorageVolCreateFlags = { PREALLOC_METADATA: 1, REFLINK: 2, VALIDATE: 4 } as const;
export const StorageVolDeleteFlags = { NORMAL: 0, ZEROED: 1, WITH_SNAPSHOTS: 2 } as const;
export const StorageVolResizeFlags = { ALLOCATE: 1, DELTA: 2, SHRINK: 4 } as const;
export const StorageVolStreamFlags = { SPARSE_STREAM: 1 } as const;
export enum StorageVolWipeAlgorithm { ZERO = 0, NNSA = 1, DOD = 2, BSI = 3, GUTMANN = 4, SCHNEIER = 5, PFITZNER7 = 6, PFITZNER33 = 7, RANDOM = 8, TRIM = 9 }

export const TypedParamFlags = { STRING_OKAY: 4 } as const;
export enum ConnectCloseReason { ERROR = 0, EOF = 1, KEEPALIVE = 2, CLIENT = 3 }

// ---- host interfaces ----
/** virConnectListAllInterfacesFlags */
export const ListAllInterfacesFlags = { INACTIVE: 1, ACTIVE: 2 } as const;
/** virInterfaceXMLFlags: INACTIVE asks for the definition used at the next start */
export const InterfaceXMLFlags = { INACTIVE: 1 } as const;
/** virInterfaceDefineFlags */
export const InterfaceDefineFlags = { VALIDATE: 1 } as const;

// ---- node devices ----
/** virConnectListAllNodeDevicesFlags: one CAP_* bit per capability type, ACTIVE/INACTIVE filters */
export const ListAllNodeDevicesFlags = {
  CAP_SYSTEM: 1 << 0, CAP_PCI_DEV: 1 << 1, CAP_USB_DEV: 1 << 2, CAP_USB_INTERFACE: 1 << 3, CAP_NET: 1 << 4,
  CAP_SCSI_HOST: 1 << 5, CAP_SCSI_TARGET: 1 << 6, CAP_SCSI: 1 << 7, CAP_STORAGE: 1 << 8, CAP_FC_HOST: 1 << 9,
  CAP_VPORTS: 1 << 10, CAP_SCSI_GENERIC: 1 << 11, CAP_DRM: 1 << 12, CAP_MDEV_TYPES: 1 << 13, CAP_MDEV: 1 << 14,
  CAP_CCW_DEV: 1 << 15, CAP_CSS_DEV: 1 << 16, CAP_VDPA: 1 << 17, CAP_AP_CARD: 1 << 18, CAP_AP_QUEUE: 1 << 19,
  CAP_AP_MATRIX: 1 << 20, CAP_VPD: 1 << 21, INACTIVE: 1 << 30, ACTIVE: 2 ** 31,
} as const;
/** virNodeDeviceCreateXMLFlags / virNodeDeviceDefineXMLFlags */
export const NodeDeviceCreateXMLFlags = { VALIDATE: 1 } as const;
export const NodeDeviceDefineXMLFlags = { VALIDATE: 1 } as const;
/** virNodeDeviceEventID */
export enum NodeDeviceEventID { LIFECYCLE = 0, UPDATE = 1 }
/** virNodeDeviceEventLifecycleType */
export enum NodeDeviceEventType { CREATED = 0, DELETED = 1, DEFINED = 2, UNDEFINED = 3 }
/** virSecretUsageType */
export enum SecretUsageType { NONE = 0, VOLUME = 1, CEPH = 2, ISCSI = 3, TLS = 4, VTPM = 5 }
/** virConnectListAllSecretsFlags */
export const ListAllSecretsFlags = { EPHEMERAL: 1, NO_EPHEMERAL: 2, PRIVATE: 4, NO_PRIVATE: 8 } as const;
/** virSecretDefineFlags */
export const SecretDefineFlags = { VALIDATE: 1 } as const;
/** virSecretEventID */
export enum SecretEventID { LIFECYCLE = 0, VALUE_CHANGED = 1 }
/** virSecretEventLifecycleType */
export enum SecretEventType { DEFINED = 0, UNDEFINED = 1 }
