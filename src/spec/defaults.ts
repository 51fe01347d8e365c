/**
 * A Fedora-like default macro context (what `rpm --eval` gives in a Fedora mock chroot for the
 * macros Strata's questions depend on). A distro overrides any of it with `overrides`
 * (`--define`-like, replacing every earlier definition) and `undefines`.
 */
import { MacroContext, type MacroHooks } from './macro.js';

export interface DefaultContextOptions {
  /** Fedora release number for `%fedora` and `%dist` (default 43, the Azure Linux 4 base). */
  readonly fedora?: number;
  /** `%dist` (default `.fc<fedora>`). */
  readonly dist?: string;
  /** Target architecture (default x86_64). */
  readonly arch?: string;
  /** Extra or replacing definitions, applied last. */
  readonly overrides?: Readonly<Record<string, string>>;
  /** Macros to remove after the defaults and overrides. */
  readonly undefines?: readonly string[];
  /** `--with NAME` / `--without NAME` switches for bconds. */
  readonly with?: readonly string[];
  readonly without?: readonly string[];
  readonly hooks?: MacroHooks;
}

const ARCH_INFO: Readonly<Record<string, { lib: string; isa: string; bits: string }>> = {
  x86_64: { lib: 'lib64', isa: 'x86-64', bits: '64' },
  aarch64: { lib: 'lib64', isa: 'aarch-64', bits: '64' },
  ppc64le: { lib: 'lib64', isa: 'ppc-64', bits: '64' },
  s390x: { lib: 'lib64', isa: 's390-64', bits: '64' },
  riscv64: { lib: 'lib64', isa: 'riscv-64', bits: '64' },
  i686: { lib: 'lib', isa: 'x86-32', bits: '32' },
  armv7hl: { lib: 'lib', isa: 'armv7hl-32', bits: '32' },
};

/** The definitions of the default context, in order (later ones may refer to earlier ones). */
export function fedoraDefinitions(o: Pick<DefaultContextOptions, 'fedora' | 'dist' | 'arch'> = {}): Array<[string, string, string?]> {
  const fedora = o.fedora ?? 43;
  const arch = o.arch ?? 'x86_64';
  const info = ARCH_INFO[arch] ?? { lib: 'lib64', isa: `${arch}-64`, bits: '64' };
  return [
    ['fedora', String(fedora)],
    ['dist', o.dist ?? `.fc${fedora}`],
    ['fc' + String(fedora), '1'],
    ['_arch', arch],
    ['_target_cpu', arch],
    ['_build_arch', arch],
    ['_host_cpu', arch],
    ['_build_cpu', arch],
    ['_target_os', 'linux'],
    ['_host_os', 'linux'],
    ['_build_os', 'linux'],
    ['_os', 'linux'],
    ['_vendor', 'redhat'],
    ['_host_vendor', 'redhat'],
    ['_target_vendor', 'redhat'],
    ['_gnu', '-gnu'],
    ['_host', `${arch}-redhat-linux-gnu`],
    ['_build', `${arch}-redhat-linux-gnu`],
    ['_target', `${arch}-linux`],
    ['_target_platform', `${arch}-redhat-linux-gnu`],
    ['__isa_name', info.isa.split('-')[0]!],
    ['__isa_bits', info.bits],
    ['__isa', info.isa],
    ['_isa', `(${info.isa})`],
    ['_lib', info.lib],
    ['ix86', 'i386 i486 i586 i686 pentium3 pentium4 athlon geode'],
    ['x86_64', 'x86_64 amd64 em64t'],
    ['arm32', 'armv3l armv4b armv4l armv4tl armv5tl armv5tel armv5tejl armv6l armv6hl armv7l armv7hl armv7hnl armv8l armv8hl armv8hnl armv8hcnl'],
    ['arm', '%{arm32}'],
    ['arm64', 'aarch64'],
    ['power64', 'ppc64 ppc64p7 ppc64le'],
    ['mips', 'mips mipsel mipsr6 mipsr6el mips64 mips64el mips64r6 mips64r6el'],
    ['riscv', 'riscv32 riscv64 riscv128'],
    ['valgrind_arches', '%{ix86} x86_64 ppc ppc64 ppc64le armv7l armv7hl aarch64 s390x'],
    ['go_arches', '%{ix86} x86_64 %{arm} aarch64 ppc64le s390x riscv64'],
    ['golang_arches', '%{ix86} x86_64 %{arm} aarch64 ppc64le s390x riscv64'],
    ['java_arches', 'aarch64 ppc64le s390x x86_64'],
    ['nodejs_arches', '%{ix86} x86_64 %{arm} aarch64 %{power64} s390x riscv64'],
    ['rust_arches', 'x86_64 %{ix86} armv7hl aarch64 ppc64 ppc64le riscv64 s390x'],
    ['ldc_arches', '%{ix86} x86_64 %{arm} aarch64'],
    ['nil', ''],
    ['_usr', '/usr'],
    ['_var', '/var'],
    ['_prefix', '/usr'],
    ['_exec_prefix', '%{_prefix}'],
    ['_bindir', '%{_exec_prefix}/bin'],
    ['_sbindir', '%{_bindir}'],
    ['_libdir', '%{_prefix}/%{_lib}'],
    ['_libexecdir', '%{_exec_prefix}/libexec'],
    ['_datarootdir', '%{_prefix}/share'],
    ['_datadir', '%{_datarootdir}'],
    ['_sysconfdir', '/etc'],
    ['_localstatedir', '/var'],
    ['_sharedstatedir', '/var/lib'],
    ['_includedir', '%{_prefix}/include'],
    ['_infodir', '/usr/share/info'],
    ['_mandir', '/usr/share/man'],
    ['_docdir', '%{_datadir}/doc'],
    ['_defaultdocdir', '%{_datadir}/doc'],
    ['_defaultlicensedir', '%{_datadir}/licenses'],
    ['_licensedir', '%{_datadir}/licenses'],
    ['_pkgdocdir', '%{_docdir}/%{name}'],
    ['_rundir', '/run'],
    ['_initddir', '%{_sysconfdir}/rc.d/init.d'],
    ['_unitdir', '/usr/lib/systemd/system'],
    ['_userunitdir', '/usr/lib/systemd/user'],
    ['_presetdir', '/usr/lib/systemd/system-preset'],
    ['_tmpfilesdir', '/usr/lib/tmpfiles.d'],
    ['_sysusersdir', '/usr/lib/sysusers.d'],
    ['_udevrulesdir', '/usr/lib/udev/rules.d'],
    ['_modulesloaddir', '/usr/lib/modules-load.d'],
    ['_sysctldir', '/usr/lib/sysctl.d'],
    ['_environmentdir', '/usr/lib/environment.d'],
    ['_rpmconfigdir', '/usr/lib/rpm'],
    ['_rpmmacrodir', '%{_rpmconfigdir}/macros.d'],
    ['_fontbasedir', '%{_datadir}/fonts'],
    ['_javadir', '%{_datadir}/java'],
    ['_jnidir', '%{_prefix}/lib/java'],
    ['_mavenpomdir', '%{_datadir}/maven-poms'],
    ['_emacs_sitelispdir', '%{_datadir}/emacs/site-lisp'],
    ['_metainfodir', '%{_datadir}/metainfo'],
    ['_bashcompletiondir', '%{_datadir}/bash-completion/completions'],
    ['_topdir', '/builddir/build'],
    ['_sourcedir', '%{_topdir}/SOURCES'],
    ['_builddir', '%{_topdir}/BUILD'],
    ['_specdir', '%{_topdir}/SPECS'],
    ['_rpmdir', '%{_topdir}/RPMS'],
    ['_srcrpmdir', '%{_topdir}/SRPMS'],
    ['_buildrootdir', '%{_topdir}/BUILDROOT'],
    ['buildroot', '%{_buildrootdir}/%{NAME}-%{VERSION}-%{RELEASE}.%{_arch}'],
    ['optflags', '-O2 -flto=auto -ffat-lto-objects -fexceptions -g -grecord-gcc-switches -pipe -Wall -Werror=format-security -Wp,-U_FORTIFY_SOURCE,-D_FORTIFY_SOURCE=3 -Wp,-D_GLIBCXX_ASSERTIONS -fstack-protector-strong -m64 -march=x86-64 -mtune=generic -fasynchronous-unwind-tables -fstack-clash-protection -fcf-protection -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer'],
    ['_smp_build_ncpus', '2'],
    ['_smp_mflags', '-j%{_smp_build_ncpus}'],
    ['__make', '/usr/bin/make'],
    ['make_build', '%{__make} %{_make_output_sync} %{?_smp_mflags}'],
    ['__cc', 'gcc'],
    ['__cxx', 'g++'],
    ['__python3', '/usr/bin/python3'],
    ['python3_pkgversion', '3'],
    ['python3_version', '3.14'],
    ['python3_version_nodots', '314'],
    ['python3_sitelib', '/usr/lib/python%{python3_version}/site-packages'],
    ['python3_sitearch', '/usr/%{_lib}/python%{python3_version}/site-packages'],
    ['perl_vendorlib', '/usr/share/perl5/vendor_perl'],
    ['perl_vendorarch', '%{_libdir}/perl5/vendor_perl'],
    ['_hardened_build', '1'],
    ['build_cflags', '%{optflags}'],
    ['build_cxxflags', '%{optflags}'],
    ['build_fflags', '%{optflags} -I%{_fmoddir}'],
    ['build_fcflags', '%{optflags} -I%{_fmoddir}'],
    ['build_ldflags', '%{__global_ldflags}'],
    ['_fmoddir', '%{_libdir}/gfortran/modules'],
    ['__global_ldflags', '-Wl,-z,relro -Wl,--as-needed -Wl,-z,now'],
    // rpmautospec's fallback definitions (what Fedora's redhat-rpm-config provides when the
    // release is not computed from git history); replace with the `autorelease` hook by undefining.
    ['autorelease', '%{?-p:0.}%{?-b:%{-b*}}%{!?-b:1}%{?-e:.%{-e*}}%{?-s:.%{-s*}}%{!?-n:%{?dist}}', 'e:s:pb:n'],
    ['autochangelog', '%{nil}'],
  ];
}

/**
 * Build the default context: Fedora-like definitions, then `overrides`, minus `undefines`, with
 * `--with`/`--without` switches (`_with_NAME` / `_without_NAME` defined like rpmbuild does).
 */
export function fedoraContext(o: DefaultContextOptions = {}): MacroContext {
  const ctx = new MacroContext(undefined, o.hooks);
  for (const [k, v, params] of fedoraDefinitions(o)) ctx.define(k, v, params);
  if (o.hooks?.autorelease) ctx.delete('autorelease');
  for (const [k, v] of Object.entries(o.overrides ?? {})) ctx.set(k, v);
  for (const n of o.undefines ?? []) ctx.delete(n);
  for (const n of o.with ?? []) ctx.set(`_with_${n}`, `--with-${n}`);
  for (const n of o.without ?? []) ctx.set(`_without_${n}`, `--without-${n}`);
  return ctx;
}

/** Parse `--define 'name value'` strings (`name value`, `name(opts) value`, or `name=value`). */
export function parseDefineArg(s: string): { name: string; body: string; params?: string } | undefined {
  const m = /^\s*%?([A-Za-z_][A-Za-z0-9_]*)(\(([^)]*)\))?(?:\s+|=|$)([\s\S]*)$/.exec(s);
  if (!m) return undefined;
  const r: { name: string; body: string; params?: string } = { name: m[1]!, body: (m[4] ?? '').trim() };
  if (m[2] !== undefined) r.params = m[3] ?? '';
  return r;
}
