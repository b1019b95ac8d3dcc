/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels nmr builds against, in one place: the
 * only file that tests LINUX_VERSION_CODE.  Included by <nmr/nmr.h>.
 *
 * The kernels are Debian 12's own 6.1 (scripts/distro-check.sh builds the
 * core and the samples with W=1, loads them and runs the scenarios there;
 * it has no KUnit) and the project's 6.12 (scripts/check.sh).  Between
 * the two, only what follows differs for the code nmr and the samples use.
 */
#ifndef _NMR_COMPAT_H
#define _NMR_COMPAT_H

#include <linux/export.h>
#include <linux/module.h>
#include <linux/version.h>

/*
 * 6.13 turned the namespace argument of EXPORT_SYMBOL_NS*() and
 * MODULE_IMPORT_NS() into a string.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define NMR_IMPORT_NS() MODULE_IMPORT_NS("NMR")
#define NMR_IMPORT_NS_FOR_KUNIT() MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING")
#else
#define NMR_IMPORT_NS() MODULE_IMPORT_NS(NMR)
#define NMR_IMPORT_NS_FOR_KUNIT() MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING)
#endif

/*
 * Every export of nmr.ko goes into the NMR namespace.  Named
 * EXPORT_SYMBOL_*() so that checkpatch knows it for an export.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define EXPORT_SYMBOL_NMR(sym) EXPORT_SYMBOL_NS_GPL(sym, "NMR")
#else
#define EXPORT_SYMBOL_NMR(sym) EXPORT_SYMBOL_NS_GPL(sym, NMR)
#endif

/* Exports for the KUnit suite only (used under CONFIG_KUNIT); since 6.2. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#include <kunit/visibility.h>
#else
#define EXPORT_SYMBOL_IF_KUNIT(sym) EXPORT_SYMBOL_NS(sym, EXPORTED_FOR_KUNIT_TESTING)
#endif

#endif /* _NMR_COMPAT_H */
