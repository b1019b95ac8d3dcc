/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Characteristics filled in as every KUnit suite fills them: the current
 * version and length, the given callbacks, and a registration instance of
 * the current version and size for @npi.  The suites set what else they
 * need (module id, number) through the instance returned.
 */
#ifndef _NMR_TEST_CHARS_H
#define _NMR_TEST_CHARS_H

#include <nmr/nmr.h>

static inline struct nmr_registration_instance *
nmr_test_instance(struct nmr_registration_instance *inst, const guid_t *npi)
{
	inst->version = NMR_REGISTRATION_INSTANCE_VERSION;
	inst->size = sizeof(*inst);
	inst->npi_id = npi;
	return inst;
}

static inline struct nmr_registration_instance *
nmr_test_client_chars(struct nmr_client_characteristics *c, const guid_t *npi,
		      int (*attach)(struct nmr_binding *binding, void *client_context,
				    const struct nmr_registration_instance *provider),
		      int (*detach)(void *client_binding_context),
		      void (*cleanup)(void *client_binding_context))
{
	c->version = NMR_CHARACTERISTICS_VERSION;
	c->length = sizeof(*c);
	c->client_attach_provider = attach;
	c->client_detach_provider = detach;
	c->client_cleanup_binding_context = cleanup;
	return nmr_test_instance(&c->client_registration_instance, npi);
}

static inline struct nmr_registration_instance *
nmr_test_provider_chars(struct nmr_provider_characteristics *p, const guid_t *npi,
			int (*attach)(struct nmr_binding *binding, void *provider_context,
				      const struct nmr_registration_instance *client,
				      void *client_binding_context,
				      const void *client_dispatch,
				      void **provider_binding_context,
				      const void **provider_dispatch),
			int (*detach)(void *provider_binding_context),
			void (*cleanup)(void *provider_binding_context))
{
	p->version = NMR_CHARACTERISTICS_VERSION;
	p->length = sizeof(*p);
	p->provider_attach_client = attach;
	p->provider_detach_client = detach;
	p->provider_cleanup_binding_context = cleanup;
	return nmr_test_instance(&p->provider_registration_instance, npi);
}

#endif /* _NMR_TEST_CHARS_H */
