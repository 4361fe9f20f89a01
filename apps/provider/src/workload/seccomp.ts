// The seccomp filter every bwrap sandbox runs under: a classic-BPF program (what `bwrap --seccomp
// FD` loads) that answers EPERM to the system calls a batch job has no use for and that carry
// most of the kernel's attack surface: keys, BPF, perf, ptrace, kexec, modules, mounts, swap,
// reboot, file handles, userfaultfd, io_uring, namespaces. Everything else is allowed.

/** A CPU architecture the filter knows the system call numbers of. */
export type SeccompArch = "x64" | "arm64";

/** AUDIT_ARCH_* of each architecture: the filter refuses system calls made under any other ABI (i386, x32). */
const AUDIT_ARCH: Record<SeccompArch, number> = { x64: 0xc000003e, arm64: 0xc00000b7 };

/** System calls answered with EPERM, whatever their arguments. */
export const DENIED_SYSCALLS = [
  "keyctl",
  "add_key",
  "request_key",
  "bpf",
  "perf_event_open",
  "ptrace",
  "process_vm_readv",
  "process_vm_writev",
  "kexec_load",
  "kexec_file_load",
  "init_module",
  "finit_module",
  "delete_module",
  "mount",
  "umount2",
  "pivot_root",
  "fsopen",
  "fsconfig",
  "fsmount",
  "fspick",
  "move_mount",
  "open_tree",
  "mount_setattr",
  "swapon",
  "swapoff",
  "reboot",
  "open_by_handle_at",
  "userfaultfd",
  "setns",
  "io_uring_setup",
  "io_uring_enter",
  "io_uring_register",
  "acct",
  "quotactl",
  "lookup_dcookie",
  "syslog",
  "vhangup",
  "nfsservctl",
  "uselib",
  "iopl",
  "ioperm",
  "_sysctl",
] as const;

type Syscall = (typeof DENIED_SYSCALLS)[number] | "clone" | "clone3" | "unshare";

// From the kernel's uapi headers (asm/unistd_64.h on x86_64, asm-generic/unistd.h on arm64);
// a call an architecture does not have is left out.
const NUMBERS: Record<SeccompArch, Partial<Record<Syscall, number>>> = {
  x64: {
    keyctl: 250,
    add_key: 248,
    request_key: 249,
    bpf: 321,
    perf_event_open: 298,
    ptrace: 101,
    process_vm_readv: 310,
    process_vm_writev: 311,
    kexec_load: 246,
    kexec_file_load: 320,
    init_module: 175,
    finit_module: 313,
    delete_module: 176,
    mount: 165,
    umount2: 166,
    pivot_root: 155,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
    move_mount: 429,
    open_tree: 428,
    mount_setattr: 442,
    swapon: 167,
    swapoff: 168,
    reboot: 169,
    open_by_handle_at: 304,
    userfaultfd: 323,
    setns: 308,
    io_uring_setup: 425,
    io_uring_enter: 426,
    io_uring_register: 427,
    acct: 163,
    quotactl: 179,
    lookup_dcookie: 212,
    syslog: 103,
    vhangup: 153,
    nfsservctl: 180,
    uselib: 134,
    iopl: 172,
    ioperm: 173,
    _sysctl: 156,
    clone: 56,
    clone3: 435,
    unshare: 272,
  },
  arm64: {
    keyctl: 219,
    add_key: 217,
    request_key: 218,
    bpf: 280,
    perf_event_open: 241,
    ptrace: 117,
    process_vm_readv: 270,
    process_vm_writev: 271,
    kexec_load: 104,
    kexec_file_load: 294,
    init_module: 105,
    finit_module: 273,
    delete_module: 106,
    mount: 40,
    umount2: 39,
    pivot_root: 41,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
    move_mount: 429,
    open_tree: 428,
    mount_setattr: 442,
    swapon: 224,
    swapoff: 225,
    reboot: 142,
    open_by_handle_at: 265,
    userfaultfd: 282,
    setns: 268,
    io_uring_setup: 425,
    io_uring_enter: 426,
    io_uring_register: 427,
    acct: 89,
    quotactl: 60,
    lookup_dcookie: 18,
    syslog: 116,
    vhangup: 58,
    nfsservctl: 42,
    clone: 220,
    clone3: 435,
    unshare: 97,
  },
};

/** The namespace flags of clone(2) and unshare(2): a job may not make namespaces (nested user namespaces included). */
export const NAMESPACE_FLAGS = {
  CLONE_NEWTIME: 0x00000080,
  CLONE_NEWNS: 0x00020000,
  CLONE_NEWCGROUP: 0x02000000,
  CLONE_NEWUTS: 0x04000000,
  CLONE_NEWIPC: 0x08000000,
  CLONE_NEWUSER: 0x10000000,
  CLONE_NEWPID: 0x20000000,
  CLONE_NEWNET: 0x40000000,
} as const;
// clone()'s low byte is the exit signal, so CLONE_NEWTIME (0x80) is not a flag there.
const CLONE_NAMESPACES = Object.values(NAMESPACE_FLAGS).reduce((a, b) => a | b, 0) & ~0xff;
const UNSHARE_NAMESPACES = Object.values(NAMESPACE_FLAGS).reduce((a, b) => a | b, 0);

// Classic BPF, as in <linux/filter.h> and <linux/seccomp.h>.
const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_JSET_K = 0x45;
const BPF_RET_K = 0x06;
const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;
const EPERM = 1;
const ENOSYS = 38;
// struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6].
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
const OFFSET_ARG0_LOW = 16; // Little-endian: the low 32 bits of args[0].
const X32_SYSCALL_BIT = 0x40000000;

type Instruction = { code: number; jt: number | string; jf: number | string; k: number };

/** The architecture of this process, if the filter knows it. */
export function currentSeccompArch(): SeccompArch | null {
  return process.arch === "x64" || process.arch === "arm64" ? process.arch : null;
}

/**
 * The compiled filter for `arch`: 8-byte `struct sock_filter` entries, little-endian, ready for
 * `bwrap --seccomp FD`. clone3 answers ENOSYS, so C libraries fall back to clone, whose flags
 * the filter can read (clone3 passes them in memory it cannot).
 *
 * @example
 * const program = buildSeccompFilter("x64"); // Buffer of 8 × n bytes
 */
export function buildSeccompFilter(arch: SeccompArch): Buffer {
  const numbers = NUMBERS[arch];
  const program: Instruction[] = [
    { code: BPF_LD_W_ABS, jt: 0, jf: 0, k: OFFSET_ARCH },
    { code: BPF_JEQ_K, jt: 0, jf: "deny", k: AUDIT_ARCH[arch] },
    { code: BPF_LD_W_ABS, jt: 0, jf: 0, k: OFFSET_NR },
  ];
  if (arch === "x64") program.push({ code: BPF_JGE_K, jt: "deny", jf: 0, k: X32_SYSCALL_BIT });
  for (const name of DENIED_SYSCALLS) {
    const nr = numbers[name];
    if (nr !== undefined) program.push({ code: BPF_JEQ_K, jt: "deny", jf: 0, k: nr });
  }
  program.push(
    { code: BPF_JEQ_K, jt: "clone", jf: 0, k: numbers.clone as number },
    { code: BPF_JEQ_K, jt: "unshare", jf: 0, k: numbers.unshare as number },
    { code: BPF_JEQ_K, jt: "enosys", jf: 0, k: numbers.clone3 as number },
    { code: BPF_RET_K, jt: 0, jf: 0, k: RET_ALLOW },
  );
  const labels: Record<string, number> = {};
  labels.clone = program.length;
  program.push(
    { code: BPF_LD_W_ABS, jt: 0, jf: 0, k: OFFSET_ARG0_LOW },
    { code: BPF_JSET_K, jt: "deny", jf: 0, k: CLONE_NAMESPACES },
    { code: BPF_RET_K, jt: 0, jf: 0, k: RET_ALLOW },
  );
  labels.unshare = program.length;
  program.push(
    { code: BPF_LD_W_ABS, jt: 0, jf: 0, k: OFFSET_ARG0_LOW },
    { code: BPF_JSET_K, jt: "deny", jf: 0, k: UNSHARE_NAMESPACES },
    { code: BPF_RET_K, jt: 0, jf: 0, k: RET_ALLOW },
  );
  labels.enosys = program.length;
  program.push({ code: BPF_RET_K, jt: 0, jf: 0, k: RET_ERRNO | ENOSYS });
  labels.deny = program.length;
  program.push({ code: BPF_RET_K, jt: 0, jf: 0, k: RET_ERRNO | EPERM });

  const out = Buffer.alloc(program.length * 8);
  program.forEach((instruction, index) => {
    // A jump counts instructions after the next one; classic BPF jumps forward only, 255 at most.
    const offset = (target: number | string) => {
      if (typeof target === "number") return target;
      const jump = (labels[target] as number) - index - 1;
      if (jump < 0 || jump > 255) throw new Error(`seccomp filter: jump to ${target} out of range (${jump})`);
      return jump;
    };
    out.writeUInt16LE(instruction.code, index * 8);
    out.writeUInt8(offset(instruction.jt), index * 8 + 2);
    out.writeUInt8(offset(instruction.jf), index * 8 + 3);
    out.writeUInt32LE(instruction.k >>> 0, index * 8 + 4);
  });
  return out;
}
