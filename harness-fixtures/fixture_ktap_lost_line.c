// SPDX-License-Identifier: GPL-2.0
/*
 * Harness fixture: the KTAP a KUnit module prints for a parameterised case
 * whose last parameter failed, as the console shows it when that one
 * result line is lost (dropped or garbled by a line printed over it): every
 * child line left says "ok", the parent's says "not ok".  Printed by hand,
 * since a real loss cannot be made to happen on demand.
 */
#include <linux/module.h>

static const char * const fixture_ktap[] = {
	"KTAP version 1",
	"1..1",
	"    KTAP version 1",
	"    # Subtest: nmr_harness_fixture_lost",
	"    # module: fixture_ktap_lost_line",
	"    1..1",
	"        KTAP version 1",
	"        # Subtest: fixture_case_params",
	"        ok 1 param-0",
	"        ok 2 param-1",
	"    # fixture_case_params: pass:2 fail:1 skip:0 total:3",
	"    not ok 1 fixture_case_params",
	"# nmr_harness_fixture_lost: pass:0 fail:1 skip:0 total:1",
	"# Totals: pass:2 fail:1 skip:0 total:3",
	"not ok 1 nmr_harness_fixture_lost",
};

static int __init fixture_ktap_lost_line_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(fixture_ktap); i++)
		pr_info("%s\n", fixture_ktap[i]);
	return 0;
}
module_init(fixture_ktap_lost_line_init);

static void __exit fixture_ktap_lost_line_exit(void)
{
}
module_exit(fixture_ktap_lost_line_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nmr harness fixture: KTAP with a lost child result line");
