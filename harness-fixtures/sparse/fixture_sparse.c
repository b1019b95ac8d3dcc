// SPDX-License-Identifier: GPL-2.0
/*
 * Harness fixture: a user pointer dereferenced directly, not through
 * get_user(); the compiler accepts it, sparse reports it.
 */
#include <linux/export.h>
#include <linux/module.h>

int fixture_sparse_peek(const int __user *p);

int fixture_sparse_peek(const int __user *p)
{
	return *p;
}
EXPORT_SYMBOL_GPL(fixture_sparse_peek);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nmr harness fixture: a bug for sparse");
