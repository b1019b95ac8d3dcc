// SPDX-License-Identifier: GPL-2.0
/*
 * my_provider - a minimal provider of my NPI (my_npi.h), to copy and extend.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt	/* dmesg lines begin "my_provider: " */

#include <linux/module.h>
#include <nmr/nmr.h>		/* the NMR API; nmr.mk puts it on the include path */
#include "my_npi.h"		/* the NPI this module provides */

/* The one function of the NPI: clients call it through the dispatch table. */
static int my_add(void *provider_binding_context, int a, int b)
{
	return a + b;
}

/* The table every attached client gets; it must outlive every binding. */
static const struct my_npi_provider_dispatch my_dispatch = {
	.add = my_add,
};

/* A client of the NPI asks to attach, from inside its own attach callback. */
static int my_attach_client(struct nmr_binding *binding, void *provider_context,
			    const struct nmr_registration_instance *client,
			    void *client_binding_context, const void *client_dispatch,
			    void **provider_binding_context, const void **provider_dispatch)
{
	*provider_binding_context = NULL;	/* no per-binding state here */
	*provider_dispatch = &my_dispatch;	/* what the client may call */
	pr_info("a client attached\n");
	return 0;				/* 0 attaches; -ENODEV declines */
}

/* The binding is going away; this provider never calls into its clients. */
static int my_detach_client(void *provider_binding_context)
{
	pr_info("a client detached\n");
	return 0;				/* so its detach is complete at once */
}

static const guid_t my_npi_id = MY_NPI_ID;

/* Who this module is to NMR; NMR keeps the pointer until the wait returns. */
static const struct nmr_provider_characteristics my_chars = {
	.version = NMR_CHARACTERISTICS_VERSION,
	.length = sizeof(struct nmr_provider_characteristics),
	.provider_attach_client = my_attach_client,
	.provider_detach_client = my_detach_client,
	.provider_registration_instance = {
		.version = NMR_REGISTRATION_INSTANCE_VERSION,
		.size = sizeof(struct nmr_registration_instance),
		.npi_id = &my_npi_id,		/* NMR matches on this GUID */
	},
};

static struct nmr_provider *my_handle;	/* valid until the wait returns */

static int __init my_provider_init(void)
{
	/* Clients already registered are offered this provider before it returns. */
	return nmr_register_provider(&my_chars, NULL, &my_handle);
}
module_init(my_provider_init);

static void __exit my_provider_exit(void)
{
	/* Detach every client; while one is still detaching, sleep until done. */
	if (nmr_deregister_provider(my_handle) == -EINPROGRESS)
		nmr_wait_for_provider_deregister_complete(my_handle);
}
module_exit(my_provider_exit);

MODULE_LICENSE("GPL");		/* nmr exports its API to GPL modules only */
MODULE_DESCRIPTION("A minimal provider of my NPI");
NMR_IMPORT_NS();		/* nmr's symbols are in the NMR namespace */
