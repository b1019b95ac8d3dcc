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

/**
 * struct nmr_kunit_alive - how many of NMR's own objects are allocated
 * @npis: NPI index entries: one for each NPI with a live registration.
 * @regs: registrations, from register until their wait frees them.
 * @bindings: bindings, offered, attached or detaching.
 * @calls_blocks: blocks of 64 per-CPU rundown counters (the last empty
 *	one is kept).
 */
struct nmr_kunit_alive {
	int npis;
	int regs;
	int bindings;
	int calls_blocks;
};

/**
 * nmr_kunit_count_alive() - count NMR's objects, for leak checks
 * @alive: receives the counts.
 *
 * Waits for the rundown fence and for RCU, so that a binding cleaned up
 * before the call is no longer counted.
 *
 * Context: process context; sleeps.
 */
void nmr_kunit_count_alive(struct nmr_kunit_alive *alive);

/**
 * nmr_kunit_misuses() - how many misuses of the API NMR has reported
 *
 * Each misuse warning counts once, also when its line was rate-limited
 * away, so a test can check that a bad input drew exactly one warning;
 * those of the Windows API (<nmr/netioddk.h>) count too.
 *
 * Context: any context.
 * Return: the number of misuse warnings so far.
 */
unsigned long nmr_kunit_misuses(void);

#endif /* _NMR_NMR_KUNIT_H */
