// SPDX-License-Identifier: GPL-2.0
/* Harness fixture: an allocation that nobody frees. */
#include <linux/module.h>
#include <linux/slab.h>

static int __init fixture_leak_init(void)
{
	void *p = kmalloc(128, GFP_KERNEL);

	pr_info("fixture_leak: leaking %zu bytes\n", p ? ksize(p) : 0);
	return 0;
}
module_init(fixture_leak_init);

static void __exit fixture_leak_exit(void)
{
}
module_exit(fixture_leak_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nmr harness fixture: leaked allocation");
