// SPDX-License-Identifier: GPL-2.0
/* Harness fixture: a module that triggers a WARN_ON. */
#include <linux/bug.h>
#include <linux/module.h>

static int __init fixture_warn_init(void)
{
	WARN_ON(1);
	return 0;
}
module_init(fixture_warn_init);

static void __exit fixture_warn_exit(void)
{
}
module_exit(fixture_warn_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nmr harness fixture: WARN_ON at load");
