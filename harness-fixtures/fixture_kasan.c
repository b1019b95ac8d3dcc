// SPDX-License-Identifier: GPL-2.0
/* Harness fixture: a read one byte past the end of an allocation. */
#include <linux/module.h>
#include <linux/slab.h>

static int __init fixture_kasan_init(void)
{
	size_t size = 16;
	char *p = kmalloc(size, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	OPTIMIZER_HIDE_VAR(size);
	pr_info("fixture_kasan: byte %zu of a %zu-byte allocation: %d\n",
		size, size, READ_ONCE(p[size]));
	kfree(p);
	return 0;
}
module_init(fixture_kasan_init);

static void __exit fixture_kasan_exit(void)
{
}
module_exit(fixture_kasan_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nmr harness fixture: slab out-of-bounds read");
