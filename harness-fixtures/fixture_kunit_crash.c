// SPDX-License-Identifier: GPL-2.0
/*
 * Harness fixture: a KUnit suite whose second case crashes the kernel
 * (oops=panic), so its KTAP output stops in the middle of the suite.
 */
#include <kunit/test.h>
#include <linux/module.h>

static void fixture_case_passes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 1, 1);
}

static void fixture_case_crashes(struct kunit *test)
{
	int *nowhere = NULL;

	OPTIMIZER_HIDE_VAR(nowhere);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*nowhere), 0);
}

static struct kunit_case fixture_cases[] = {
	KUNIT_CASE(fixture_case_passes),
	KUNIT_CASE(fixture_case_crashes),
	KUNIT_CASE(fixture_case_passes),
	{}
};

static struct kunit_suite fixture_suite = {
	.name = "nmr_harness_fixture_crash",
	.test_cases = fixture_cases,
};

kunit_test_suite(fixture_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nmr harness fixture: a KUnit case that crashes");
