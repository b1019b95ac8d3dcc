// SPDX-License-Identifier: GPL-2.0
/*
 * nmr_sample_pinned - a client of the sample NPI that refuses to be
 * unloaded while it is bound.
 *
 * When it attaches to its first provider it calls nmr_client_refuse_unload(),
 * which pins the module: from then on rmmod fails at once instead of
 * running module_exit and waiting for the providers to let go.  When its
 * last binding is cleaned up (the providers were unloaded) it calls
 * nmr_client_request_unload(), and rmmod succeeds again.  This is the
 * Linux form of MI_Context_RefuseUnload / MI_Context_RequestUnload.
 *
 * The kernel's delete_module() fails for a module whose reference count is
 * not zero with EWOULDBLOCK (EAGAIN: "Resource temporarily unavailable"),
 * not EBUSY.
 *
 *   insmod nmr_sample_pinned.ko
 *   rmmod nmr_sample_pinned      # fails while a provider is bound
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <nmr/nmr.h>
#include <nmr_sample_npi.h>

/**
 * struct pinned_binding - the client's context for one provider
 * @provider_name: the provider's name, from its NPI-specific characteristics.
 */
struct pinned_binding {
	const char *provider_name;
};

static struct nmr_client *pinned_handle;
static DEFINE_SPINLOCK(pinned_lock);
static unsigned int pinned_count;	/* pinned_lock */
static bool pinned_refusing;		/* pinned_lock */

static void pinned_request_done(void *client_binding_context, u32 cookie, int status)
{
}

static const struct nmr_sample_client_dispatch pinned_dispatch = {
	.request_done = pinned_request_done,
};

/* Count a new binding; the first one pins the module. */
static void pinned_bound(const char *provider_name)
{
	unsigned long flags;
	unsigned int count;
	bool refused_now = false;
	int ret = 0;

	spin_lock_irqsave(&pinned_lock, flags);
	count = ++pinned_count;
	if (!pinned_refusing) {
		ret = nmr_client_refuse_unload(pinned_handle);
		pinned_refusing = !ret;
		refused_now = !ret;
	}
	spin_unlock_irqrestore(&pinned_lock, flags);

	if (refused_now)
		pr_info("bound to %s: refusing unload while bound; rmmod %s fails (EAGAIN) until every provider is gone\n",
			provider_name, KBUILD_MODNAME);
	else if (ret)
		pr_info("bound to %s while being unloaded: cannot refuse unload (%d)\n",
			provider_name, ret);
	else
		pr_info("bound to %s: still refusing unload (bindings now %u)\n", provider_name,
			count);
}

/* Count a binding gone; the last one lets the module unload. */
static void pinned_unbound(const char *provider_name)
{
	unsigned long flags;
	unsigned int count;
	bool requested = false;
	int ret = 0;

	spin_lock_irqsave(&pinned_lock, flags);
	count = --pinned_count;
	if (!count && pinned_refusing) {
		ret = nmr_client_request_unload(pinned_handle);
		pinned_refusing = false;
		requested = true;
	}
	spin_unlock_irqrestore(&pinned_lock, flags);

	if (requested)
		pr_info("last binding (to %s) gone: requesting unload (%d); rmmod %s may proceed\n",
			provider_name, ret, KBUILD_MODNAME);
	else
		pr_info("binding to %s gone (bindings now %u)\n", provider_name, count);
}

static int pinned_attach_provider(struct nmr_binding *binding, void *client_context,
				  const struct nmr_registration_instance *provider)
{
	const struct nmr_sample_npi_chars *chars = provider->npi_specific_characteristics;
	const char *name = nmr_sample_name(provider);
	const struct nmr_sample_provider_dispatch *dispatch;
	struct pinned_binding *pb;
	const void *pd = NULL;
	void *pctx = NULL;
	u64 sum;
	int ret;

	if (!chars || chars->version != NMR_SAMPLE_NPI_VERSION) {
		pr_info("declining provider %s: it speaks NPI version %u, this client speaks %u\n",
			name, chars ? chars->version : 0, NMR_SAMPLE_NPI_VERSION);
		return -ENODEV;
	}
	pb = kzalloc(sizeof(*pb), GFP_KERNEL);
	if (!pb)
		return -ENOMEM;
	pb->provider_name = name;

	ret = nmr_client_attach_provider(binding, pb, &pinned_dispatch, &pctx, &pd);
	if (ret) {
		pr_info("provider %s refused the attach: %d\n", name, ret);
		kfree(pb);
		return ret;
	}
	/* Its only call into the provider, made while attaching. */
	dispatch = pd;
	sum = dispatch->add(pctx, 1);
	pr_info("attached to provider %s (sum %llu)\n", name, sum);
	pinned_bound(name);
	return 0;
}

/* No call into the provider is ever in flight after attach: synchronous. */
static int pinned_detach_provider(void *client_binding_context)
{
	struct pinned_binding *pb = client_binding_context;

	pr_info("detached from provider %s\n", pb->provider_name);
	return 0;
}

static void pinned_cleanup_binding_context(void *client_binding_context)
{
	struct pinned_binding *pb = client_binding_context;

	pinned_unbound(pb->provider_name);
	kfree(pb);
}

static const guid_t pinned_npi_id = NMR_SAMPLE_NPI_ID;

static const struct nmr_sample_npi_chars pinned_npi_chars = {
	.version = NMR_SAMPLE_NPI_VERSION,
	.name = KBUILD_MODNAME,
};

static const struct nmr_client_characteristics pinned_chars = {
	.version = NMR_CHARACTERISTICS_VERSION,
	.length = sizeof(struct nmr_client_characteristics),
	.client_attach_provider = pinned_attach_provider,
	.client_detach_provider = pinned_detach_provider,
	.client_cleanup_binding_context = pinned_cleanup_binding_context,
	.client_registration_instance = {
		.version = NMR_REGISTRATION_INSTANCE_VERSION,
		.size = sizeof(struct nmr_registration_instance),
		.npi_id = &pinned_npi_id,
		.npi_specific_characteristics = &pinned_npi_chars,
	},
};

static int __init pinned_init(void)
{
	int ret;

	pr_info("registering as a client of the sample NPI %pUl\n", &pinned_npi_id);
	ret = nmr_register_client(&pinned_chars, NULL, &pinned_handle);
	if (ret) {
		pr_err("registration failed: %d\n", ret);
		return ret;
	}
	pr_info("registered (bindings now %u)\n", READ_ONCE(pinned_count));
	return 0;
}
module_init(pinned_init);

/* Runs only when nothing refuses unload: no provider was bound when rmmod began. */
static void __exit pinned_exit(void)
{
	pr_info("unloading: deregistering the client\n");
	if (nmr_deregister_client(pinned_handle) == -EINPROGRESS)
		nmr_wait_for_client_deregister_complete(pinned_handle);
	pr_info("unloaded\n");
}
module_exit(pinned_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NMR sample: a client that refuses unload while it is bound to a provider");
NMR_IMPORT_NS();
