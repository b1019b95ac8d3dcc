// SPDX-License-Identifier: GPL-2.0
/*
 * Harness fixture: a data race for KCSAN to report.  Two kthreads, one on
 * each CPU, write and read one variable with plain (unmarked) accesses and
 * no lock for about a second; module_init returns once both stopped.  On
 * the KCSAN kernel the harness must fail the test it ran in with
 * "BUG: KCSAN: data-race in fixture_race_read / fixture_race_write" (or
 * the other way round).  On a kernel without KCSAN nothing is reported.
 * No symbol here, nor the module's name, contains "kcsan_": KCSAN's report
 * takes a frame whose "%ps" does for its own runtime and leaves it out.
 */
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

static unsigned long fixture_shared;

/* Plain accesses, in functions of their own so the report names them. */
static noinline void fixture_race_write(unsigned long v)
{
	fixture_shared = v;
}

static noinline unsigned long fixture_race_read(void)
{
	return fixture_shared;
}

static int fixture_writer(void *unused)
{
	unsigned long i = 0;

	while (!kthread_should_stop()) {
		fixture_race_write(++i);
		if (!(i % 1024))
			cond_resched();
	}
	return 0;
}

static int fixture_reader(void *unused)
{
	unsigned long i = 0, sum = 0;

	while (!kthread_should_stop()) {
		sum += fixture_race_read();
		if (!(++i % 1024))
			cond_resched();
	}
	pr_info("fixture_data_race: reader done (%lu)\n", sum & 1);
	return 0;
}

static struct task_struct *fixture_start(int (*fn)(void *), const char *name,
					 unsigned int cpu)
{
	struct task_struct *t = kthread_create(fn, NULL, "%s", name);

	if (IS_ERR(t))
		return t;
	if (cpu < nr_cpu_ids && cpu_online(cpu))
		kthread_bind(t, cpu);
	wake_up_process(t);
	return t;
}

static int __init fixture_data_race_init(void)
{
	struct task_struct *w, *r;

	w = fixture_start(fixture_writer, "fixture_race_w", 0);
	if (IS_ERR(w))
		return PTR_ERR(w);
	r = fixture_start(fixture_reader, "fixture_race_r", 1);
	if (IS_ERR(r)) {
		kthread_stop(w);
		return PTR_ERR(r);
	}
	msleep(1000);
	kthread_stop(r);
	kthread_stop(w);
	return 0;
}
module_init(fixture_data_race_init);

static void __exit fixture_data_race_exit(void)
{
}
module_exit(fixture_data_race_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nmr harness fixture: a data race between two kthreads");
