// SPDX-License-Identifier: GPL-2.0
/*
 * Harness fixture: a function that may sleep (mutex_lock()) called while
 * holding a spinlock.  The mutex is free, so nothing sleeps: only
 * CONFIG_DEBUG_ATOMIC_SLEEP tells.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>

static DEFINE_SPINLOCK(fixture_lock);
static DEFINE_MUTEX(fixture_mutex);

static int __init fixture_atomic_sleep_init(void)
{
	spin_lock(&fixture_lock);
	mutex_lock(&fixture_mutex);
	mutex_unlock(&fixture_mutex);
	spin_unlock(&fixture_lock);
	return 0;
}
module_init(fixture_atomic_sleep_init);

static void __exit fixture_atomic_sleep_exit(void)
{
}
module_exit(fixture_atomic_sleep_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nmr harness fixture: may sleep in atomic context");
