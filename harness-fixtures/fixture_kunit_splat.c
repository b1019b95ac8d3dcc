// SPDX-License-Identifier: GPL-2.0
/*
 * Harness fixture: a KUnit case that passes by its own expectations while
 * the kernel prints a warning during it.
 */
#include <kunit/test.h>
#include <linux/bug.h>
#include <linux/module.h>

static void fixture_case_passes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 1, 1);
}

static void fixture_case_warns(struct kunit *test)
{
	WARN(1, "nmr harness fixture: a warning inside a KUnit case\n");
	KUNIT_EXPECT_EQ(test, 1, 1);
}

static struct kunit_case fixture_cases[] = {
	KUNIT_CASE(fixture_case_passes),
	KUNIT_CASE(fixture_case_warns),
	{}
};

static struct kunit_suite fixture_suite = {
	.name = "nmr_harness_fixture_splat",
	.test_cases = fixture_cases,
};

kunit_test_suite(fixture_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nmr harness fixture: a warning inside a passing KUnit case");
