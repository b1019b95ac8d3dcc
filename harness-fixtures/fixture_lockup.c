// SPDX-License-Identifier: GPL-2.0
/*
 * Harness fixture: a CPU spinning with preemption disabled for spin_ms
 * (the self-test lowers watchdog_thresh, so the soft lockup detector
 * reports it within seconds).
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/preempt.h>

static uint spin_ms = 12000;
module_param(spin_ms, uint, 0444);
MODULE_PARM_DESC(spin_ms, "how long to spin with preemption disabled");

static int __init fixture_lockup_init(void)
{
	preempt_disable();
	mdelay(spin_ms);
	preempt_enable();
	return 0;
}
module_init(fixture_lockup_init);

static void __exit fixture_lockup_exit(void)
{
}
module_exit(fixture_lockup_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nmr harness fixture: a soft lockup");
