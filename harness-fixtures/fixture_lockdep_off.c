// SPDX-License-Identifier: GPL-2.0
/*
 * Harness fixture: lockdep switched off without a word, as some of its own
 * limits and the locking self-tests do: only debug_locks tells.
 */
#include <linux/debug_locks.h>
#include <linux/module.h>

static int __init fixture_lockdep_off_init(void)
{
	debug_locks_off();
	return 0;
}
module_init(fixture_lockdep_off_init);

static void __exit fixture_lockdep_off_exit(void)
{
}
module_exit(fixture_lockdep_off_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nmr harness fixture: switches lockdep off silently");
