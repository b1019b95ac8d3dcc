// SPDX-License-Identifier: GPL-2.0
/*
 * nmr_sample_provider - a provider of the sample NPI whose detach is
 * synchronous.
 *
 * Its only call into a client, request_done(), is made with the binding's
 * lock held, and its detach callback takes that lock to mark the binding
 * detached.  So once the detach callback has the lock no call into the
 * client is in flight and none can start: it returns 0 and never has to
 * call nmr_provider_detach_client_complete().
 *
 * module_exit does what the Windows documentation's "Unloading a Provider
 * Module" example does: deregister, and if that returns pending (it always
 * does), wait for the deregistration to complete before returning.
 *
 *   insmod nmr_sample_provider.ko [npi_version=N]
 *   rmmod nmr_sample_provider
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <nmr/nmr.h>
#include <nmr_sample_npi.h>

static ushort npi_version = NMR_SAMPLE_NPI_VERSION;
module_param(npi_version, ushort, 0444);
MODULE_PARM_DESC(npi_version,
		 "NPI version to advertise; clients decline a version they do not speak (default 1)");

/**
 * struct sample_binding - the provider's context for one client
 * @binding: NMR's handle of the binding.
 * @id: a number for log lines.
 * @client_name: the client's name, from its NPI-specific characteristics.
 * @client_dispatch: the client's callbacks.
 * @client_binding_context: passed to @client_dispatch's callbacks.
 * @lock: held across every call into the client, and by the detach
 *	callback to set @detached.
 * @detached: the detach callback has run: no more calls into the client.
 * @calls: calls the client made into this binding.
 * @sum: the sum of the values the client added.
 */
struct sample_binding {
	struct nmr_binding *binding;
	unsigned int id;
	const char *client_name;
	const struct nmr_sample_client_dispatch *client_dispatch;
	void *client_binding_context;
	spinlock_t lock;	/* calls into the client vs. detach */
	bool detached;
	atomic64_t calls;
	atomic64_t sum;
};

static struct nmr_provider *sample_handle;
static atomic_t sample_next_id = ATOMIC_INIT(0);
static atomic_t sample_clients = ATOMIC_INIT(0);

static u64 sample_add(void *provider_binding_context, u32 value)
{
	struct sample_binding *sb = provider_binding_context;

	atomic64_inc(&sb->calls);
	return atomic64_add_return(value, &sb->sum);
}

static int sample_request(void *provider_binding_context, u32 cookie)
{
	struct sample_binding *sb = provider_binding_context;
	unsigned long flags;
	int ret = -ESHUTDOWN;

	atomic64_inc(&sb->calls);
	spin_lock_irqsave(&sb->lock, flags);
	if (!sb->detached) {
		sb->client_dispatch->request_done(sb->client_binding_context, cookie, 0);
		ret = 0;
	}
	spin_unlock_irqrestore(&sb->lock, flags);
	return ret;
}

static void sample_get_stats(void *provider_binding_context, struct nmr_sample_stats *stats)
{
	struct sample_binding *sb = provider_binding_context;

	stats->calls = atomic64_inc_return(&sb->calls);
	stats->sum = atomic64_read(&sb->sum);
}

static const struct nmr_sample_provider_dispatch sample_dispatch = {
	.add = sample_add,
	.request = sample_request,
	.get_stats = sample_get_stats,
};

static int sample_attach_client(struct nmr_binding *binding, void *provider_context,
				const struct nmr_registration_instance *client,
				void *client_binding_context, const void *client_dispatch,
				void **provider_binding_context, const void **provider_dispatch)
{
	const struct nmr_sample_client_dispatch *dispatch = client_dispatch;
	struct sample_binding *sb;

	if (!dispatch || !dispatch->request_done) {
		pr_info("declining client %s: it gave no request_done callback\n",
			nmr_sample_name(client));
		return -ENODEV;
	}
	sb = kzalloc(sizeof(*sb), GFP_KERNEL);
	if (!sb)
		return -ENOMEM;
	sb->binding = binding;
	sb->id = atomic_inc_return(&sample_next_id);
	sb->client_name = nmr_sample_name(client);
	sb->client_dispatch = dispatch;
	sb->client_binding_context = client_binding_context;
	spin_lock_init(&sb->lock);

	*provider_binding_context = sb;
	*provider_dispatch = &sample_dispatch;
	pr_info("attached client %s (binding %u; clients now %d)\n", sb->client_name, sb->id,
		atomic_inc_return(&sample_clients));
	return 0;
}

/*
 * Synchronous detach: once we hold the lock, no request_done() call is in
 * flight, and with @detached set none will start.  May run in atomic
 * context.
 */
static int sample_detach_client(void *provider_binding_context)
{
	struct sample_binding *sb = provider_binding_context;
	unsigned long flags;

	spin_lock_irqsave(&sb->lock, flags);
	sb->detached = true;
	spin_unlock_irqrestore(&sb->lock, flags);
	pr_info("detached from client %s (binding %u) after %lld calls: no call into it in flight, detach complete\n",
		sb->client_name, sb->id, atomic64_read(&sb->calls));
	return 0;
}

static void sample_cleanup_binding_context(void *provider_binding_context)
{
	struct sample_binding *sb = provider_binding_context;

	pr_info("binding %u to client %s cleaned up (clients now %d)\n", sb->id,
		sb->client_name, atomic_dec_return(&sample_clients));
	kfree(sb);
}

static const guid_t sample_npi_id = NMR_SAMPLE_NPI_ID;

/* Its version comes from the npi_version parameter, set before registering. */
static struct nmr_sample_npi_chars sample_npi_chars = {
	.name = KBUILD_MODNAME,
};

static const struct nmr_provider_characteristics sample_chars = {
	.version = NMR_CHARACTERISTICS_VERSION,
	.length = sizeof(struct nmr_provider_characteristics),
	.provider_attach_client = sample_attach_client,
	.provider_detach_client = sample_detach_client,
	.provider_cleanup_binding_context = sample_cleanup_binding_context,
	.provider_registration_instance = {
		.version = NMR_REGISTRATION_INSTANCE_VERSION,
		.size = sizeof(struct nmr_registration_instance),
		.npi_id = &sample_npi_id,
		.npi_specific_characteristics = &sample_npi_chars,
	},
};

static int __init sample_provider_init(void)
{
	int ret;

	sample_npi_chars.version = npi_version;
	pr_info("registering as a provider of the sample NPI %pUl, version %u\n",
		&sample_npi_id, npi_version);
	ret = nmr_register_provider(&sample_chars, NULL, &sample_handle);
	if (ret) {
		pr_err("registration failed: %d\n", ret);
		return ret;
	}
	pr_info("registered (clients now %d)\n", atomic_read(&sample_clients));
	return 0;
}
module_init(sample_provider_init);

/* "Unloading a Provider Module", as in the Windows documentation. */
static void __exit sample_provider_exit(void)
{
	int ret;

	pr_info("unloading: deregistering the provider\n");
	ret = nmr_deregister_provider(sample_handle);
	if (ret == -EINPROGRESS) {
		pr_info("deregistration pending: waiting for it to complete\n");
		ret = nmr_wait_for_provider_deregister_complete(sample_handle);
	}
	if (ret)
		pr_err("deregistration failed: %d\n", ret);
	pr_info("deregistration complete; unloaded\n");
}
module_exit(sample_provider_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NMR sample: a provider of the sample NPI with synchronous detach");
NMR_IMPORT_NS();
