// SPDX-License-Identifier: GPL-2.0
/* Harness fixture: module_exit never returns. */
#include <linux/completion.h>
#include <linux/module.h>

static DECLARE_COMPLETION(fixture_never);

static int __init fixture_hang_init(void)
{
	return 0;
}
module_init(fixture_hang_init);

static void __exit fixture_hang_exit(void)
{
	wait_for_completion(&fixture_never);
}
module_exit(fixture_hang_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nmr harness fixture: hangs in module_exit");
