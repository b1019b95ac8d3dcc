// SPDX-License-Identifier: GPL-2.0
/*
 * Harness fixture: a seqcount in allocated memory used without
 * seqcount_init().  Lockdep prints "trying to register non-static key" and
 * switches itself off for the rest of the run.
 */
#include <linux/module.h>
#include <linux/seqlock.h>
#include <linux/slab.h>

struct fixture_obj {
	seqcount_t seq;		/* never initialised: the bug */
	int value;
};

static int __init fixture_lockdep_key_init(void)
{
	struct fixture_obj *obj = kzalloc(sizeof(*obj), GFP_KERNEL);

	if (!obj)
		return -ENOMEM;
	preempt_disable();
	write_seqcount_begin(&obj->seq);
	obj->value = 1;
	write_seqcount_end(&obj->seq);
	preempt_enable();
	kfree(obj);
	return 0;
}
module_init(fixture_lockdep_key_init);

static void __exit fixture_lockdep_key_exit(void)
{
}
module_exit(fixture_lockdep_key_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nmr harness fixture: a lock with no lockdep key");
