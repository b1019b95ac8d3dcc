// SPDX-License-Identifier: GPL-2.0
/* Harness fixture: an ABBA lock order inversion for lockdep to report. */
#include <linux/module.h>
#include <linux/mutex.h>

static DEFINE_MUTEX(fixture_a);
static DEFINE_MUTEX(fixture_b);

static int __init fixture_lockdep_init(void)
{
	mutex_lock(&fixture_a);
	mutex_lock(&fixture_b);
	mutex_unlock(&fixture_b);
	mutex_unlock(&fixture_a);

	mutex_lock(&fixture_b);
	mutex_lock(&fixture_a);
	mutex_unlock(&fixture_a);
	mutex_unlock(&fixture_b);
	return 0;
}
module_init(fixture_lockdep_init);

static void __exit fixture_lockdep_exit(void)
{
}
module_exit(fixture_lockdep_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nmr harness fixture: lock order inversion");
