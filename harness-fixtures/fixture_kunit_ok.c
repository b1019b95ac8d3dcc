// SPDX-License-Identifier: GPL-2.0
/* Harness fixture: a KUnit suite that passes, for the self-test's clean run. */
#include <kunit/test.h>
#include <linux/module.h>

static void fixture_case_passes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 1, 1);
}

static struct kunit_case fixture_cases[] = {
	KUNIT_CASE(fixture_case_passes),
	{}
};

static struct kunit_suite fixture_suite = {
	.name = "nmr_harness_fixture_ok",
	.test_cases = fixture_cases,
};

kunit_test_suite(fixture_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nmr harness fixture: a KUnit suite that passes");
