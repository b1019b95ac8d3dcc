/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels nmr builds against, in one place.
 */
#ifndef _NMR_COMPAT_H
#define _NMR_COMPAT_H

#include <linux/export.h>
#include <linux/version.h>

/* 6.13 turned the namespace argument of EXPORT_SYMBOL_NS* into a string. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define NMR_EXPORT(sym) EXPORT_SYMBOL_NS_GPL(sym, "NMR")
#else
#define NMR_EXPORT(sym) EXPORT_SYMBOL_NS_GPL(sym, NMR)
#endif

/* Exports for the KUnit suite only; 6.2 brought kunit/visibility.h. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#include <kunit/visibility.h>
#elif IS_ENABLED(CONFIG_KUNIT)
#define EXPORT_SYMBOL_IF_KUNIT(sym) EXPORT_SYMBOL_NS(sym, EXPORTED_FOR_KUNIT_TESTING)
#else
#define EXPORT_SYMBOL_IF_KUNIT(sym)
#endif

#endif /* _NMR_COMPAT_H */
