// SPDX-License-Identifier: GPL-2.0
/* Harness fixture: run as a KUnit module, it loads fine but prints no KTAP. */
#include <linux/module.h>

static int __init fixture_no_ktap_init(void)
{
	pr_info("fixture_no_ktap: loaded, no KUnit suite\n");
	return 0;
}
module_init(fixture_no_ktap_init);

static void __exit fixture_no_ktap_exit(void)
{
}
module_exit(fixture_no_ktap_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nmr harness fixture: a KUnit module with no KTAP output");
