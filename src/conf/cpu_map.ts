// Host architectures and the CPU model names libvirt's CPU drivers know for them (facts from
// libvirt 9.0's cpu_map, as `virsh cpu-models ARCH` lists them), for virConnectGetCPUModelNames.

/** virArch names (virArchFromString accepts exactly these). */
export const ARCH_NAMES: readonly string[] = [
  'alpha', 'armv6l', 'armv7l', 'armv7b', 'aarch64', 'cris', 'i686', 'ia64', 'lm32', 'm68k', 'microblaze',
  'microblazeel', 'mips', 'mipsel', 'mips64', 'mips64el', 'openrisc', 'parisc', 'parisc64', 'ppc', 'ppcle', 'ppc64',
  'ppc64le', 'ppcemb', 'riscv32', 'riscv64', 's390', 's390x', 'sh4', 'sh4eb', 'sparc', 'sparc64', 'unicore32',
  'x86_64', 'xtensa', 'xtensaeb',
];

const X86_MODELS = [
  '486', 'pentium', 'pentium2', 'pentium3', 'pentiumpro', 'coreduo', 'n270', 'core2duo', 'qemu32', 'kvm32', 'cpu64-rhel5',
  'cpu64-rhel6', 'qemu64', 'kvm64', 'Conroe', 'Penryn', 'Nehalem', 'Nehalem-IBRS', 'Westmere', 'Westmere-IBRS',
  'SandyBridge', 'SandyBridge-IBRS', 'IvyBridge', 'IvyBridge-IBRS', 'Haswell-noTSX', 'Haswell-noTSX-IBRS', 'Haswell',
  'Haswell-IBRS', 'Broadwell-noTSX', 'Broadwell-noTSX-IBRS', 'Broadwell', 'Broadwell-IBRS', 'Skylake-Client',
  'Skylake-Client-IBRS', 'Skylake-Client-noTSX-IBRS', 'Skylake-Server', 'Skylake-Server-IBRS', 'Skylake-Server-noTSX-IBRS',
  'Cascadelake-Server', 'Cascadelake-Server-noTSX', 'Icelake-Client', 'Icelake-Client-noTSX', 'Icelake-Server',
  'Icelake-Server-noTSX', 'Cooperlake', 'Snowridge', 'athlon', 'phenom', 'Opteron_G1', 'Opteron_G2', 'Opteron_G3',
  'Opteron_G4', 'Opteron_G5', 'EPYC', 'EPYC-IBPB', 'EPYC-Rome', 'EPYC-Milan', 'Dhyana',
];
const PPC64_MODELS = ['POWER6', 'POWER7', 'POWER8', 'POWER9', 'POWER10', 'POWERPC_e5500', 'POWERPC_e6500'];

/**
 * The models of arch's CPU driver: a list, [] when that driver accepts any model (arm, s390),
 * 'unknown-arch' for a name that is no architecture, 'no-driver' when no CPU driver covers it.
 */
export function cpuModelsFor(arch: string): string[] | 'unknown-arch' | 'no-driver' {
  if (!ARCH_NAMES.includes(arch)) return 'unknown-arch';
  if (arch === 'i686' || arch === 'x86_64') return [...X86_MODELS];
  if (arch === 'ppc64' || arch === 'ppc64le') return [...PPC64_MODELS];
  if (['armv6l', 'armv7l', 'armv7b', 'aarch64', 's390', 's390x'].includes(arch)) return [];
  return 'no-driver';
}
