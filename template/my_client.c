// SPDX-License-Identifier: GPL-2.0
/*
 * my_client - a minimal client of my NPI (my_npi.h), to copy and extend.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt	/* dmesg lines begin "my_client: " */

#include <linux/module.h>
#include <nmr/nmr.h>		/* the NMR API; nmr.mk puts it on the include path */
#include "my_npi.h"		/* the NPI this module uses */

/* NMR offers this client a provider of the NPI, in process context. */
static int my_attach_provider(struct nmr_binding *binding, void *client_context,
			      const struct nmr_registration_instance *provider)
{
	const struct my_npi_provider_dispatch *dispatch;
	void *provider_binding_context;
	const void *table;
	int ret;

	/* Accept the offer: the provider's attach callback runs in this call. */
	ret = nmr_client_attach_provider(binding, NULL, NULL,
					 &provider_binding_context, &table);
	if (ret)
		return ret;			/* it declined, or no memory */
	dispatch = table;

	/* Every call into the provider goes between enter and exit. */
	if (nmr_client_enter(binding)) {	/* false once a detach began */
		pr_info("attached: 2 + 3 = %d\n",
			dispatch->add(provider_binding_context, 2, 3));
		nmr_client_exit(binding);	/* the detach waits for this */
	}
	return 0;
}

/* The binding is going away (the provider or this client deregisters). */
static int my_detach_provider(void *client_binding_context)
{
	pr_info("detached\n");
	return 0;			/* NMR waits for the sections still entered */
}

static const guid_t my_npi_id = MY_NPI_ID;

/* Who this module is to NMR; NMR keeps the pointer until the wait returns. */
static const struct nmr_client_characteristics my_chars = {
	.version = NMR_CHARACTERISTICS_VERSION,
	.length = sizeof(struct nmr_client_characteristics),
	.client_attach_provider = my_attach_provider,
	.client_detach_provider = my_detach_provider,
	.client_registration_instance = {
		.version = NMR_REGISTRATION_INSTANCE_VERSION,
		.size = sizeof(struct nmr_registration_instance),
		.npi_id = &my_npi_id,		/* NMR matches on this GUID */
	},
};

static struct nmr_client *my_handle;	/* valid until the wait returns */

static int __init my_client_init(void)
{
	/* Providers already registered are offered before this returns. */
	return nmr_register_client(&my_chars, NULL, &my_handle);
}
module_init(my_client_init);

static void __exit my_client_exit(void)
{
	/* Detach from every provider; sleep until the last binding is gone. */
	if (nmr_deregister_client(my_handle) == -EINPROGRESS)
		nmr_wait_for_client_deregister_complete(my_handle);
}
module_exit(my_client_exit);

MODULE_LICENSE("GPL");		/* nmr exports its API to GPL modules only */
MODULE_DESCRIPTION("A minimal client of my NPI");
NMR_IMPORT_NS();		/* nmr's symbols are in the NMR namespace */
