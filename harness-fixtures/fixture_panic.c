// SPDX-License-Identifier: GPL-2.0
/* Harness fixture: the kernel panics at load. */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/panic.h>

static int __init fixture_panic_init(void)
{
	panic("nmr harness fixture: deliberate panic");
	return 0;
}
module_init(fixture_panic_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nmr harness fixture: panics at load");
