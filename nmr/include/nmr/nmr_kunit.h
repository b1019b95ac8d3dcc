/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hooks nmr.ko exports for its KUnit suite only (EXPORT_SYMBOL_IF_KUNIT,
 * namespace EXPORTED_FOR_KUNIT_TESTING); not part of the API.
 */
#ifndef _NMR_NMR_KUNIT_H
#define _NMR_NMR_KUNIT_H

/**
 * nmr_rundown_flush() - wait until every binding closed so far is fenced
 *
 * After it, what a binding's last nmr_*_exit() or complete does happens on
 * that thread, not on NMR's fence work.
 *
 * Context: process context; sleeps.
 */
void nmr_rundown_flush(void);

#endif /* _NMR_NMR_KUNIT_H */
