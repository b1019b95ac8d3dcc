// SPDX-License-Identifier: GPL-2.0
/*
 * nmr_sample_provider_async - a provider of the sample NPI whose detach is
 * asynchronous.
 *
 * Its request() function calls back into the client, and may hold the call
 * in flight for hold_ms first (a stand-in for waiting on hardware).  So the
 * provider counts, per binding, the request() calls in flight.  When its
 * detach callback runs while some are, it returns -EINPROGRESS; the last of
 * those calls to return completes the detach with
 * nmr_provider_detach_client_complete().  A call that returns after the
 * detach began does not call the client back.
 *
 *   insmod nmr_sample_provider_async.ko [hold_ms=1500]
 *   rmmod nmr_sample_provider_async
 *
 * With hold_ms set, rmmod of this module or of a client bound to it waits
 * until the request in flight returns, and dmesg shows the detach pending
 * and then completing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <nmr/nmr.h>
#include <nmr_sample_npi.h>

static unsigned int hold_ms;
module_param(hold_ms, uint, 0644);
MODULE_PARM_DESC(hold_ms, "Milliseconds each request() call is held in flight (default 0)");

/**
 * struct async_binding - the provider's context for one client
 * @binding: NMR's handle of the binding.
 * @id: a number for log lines.
 * @client_name: the client's name, from its NPI-specific characteristics.
 * @client_dispatch: the client's callbacks.
 * @client_binding_context: passed to @client_dispatch's callbacks.
 * @lock: protects @in_flight, @detaching and @pending.
 * @in_flight: request() calls in flight, each of which may call the client.
 * @detaching: the detach callback has run: no new calls into the client.
 * @pending: the detach callback returned, or is about to return,
 *	-EINPROGRESS; the call that drops @in_flight to zero completes it.
 * @calls: calls the client made into this binding.
 * @sum: the sum of the values the client added.
 */
struct async_binding {
	struct nmr_binding *binding;
	unsigned int id;
	const char *client_name;
	const struct nmr_sample_client_dispatch *client_dispatch;
	void *client_binding_context;
	spinlock_t lock;	/* @in_flight, @detaching, @pending */
	unsigned int in_flight;
	bool detaching;
	bool pending;
	atomic64_t calls;
	atomic64_t sum;
};

static struct nmr_provider *async_handle;
static atomic_t async_next_id = ATOMIC_INIT(0);
static atomic_t async_clients = ATOMIC_INIT(0);

/* Start a call that may call the client; false once the detach has begun. */
static bool async_call_enter(struct async_binding *ab)
{
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&ab->lock, flags);
	ok = !ab->detaching;
	if (ok)
		ab->in_flight++;
	spin_unlock_irqrestore(&ab->lock, flags);
	return ok;
}

/*
 * End a call started by async_call_enter().  The last call out of a pending
 * detach completes it; @ab may be freed by then, so it is not touched after.
 * This module's code outlives the return: the client counts the call as in
 * flight too, so the binding cannot be cleaned up, nor this module's
 * deregistration complete, before the call has returned to the client.
 */
static void async_call_exit(struct async_binding *ab)
{
	unsigned long flags;
	bool complete;

	spin_lock_irqsave(&ab->lock, flags);
	complete = !--ab->in_flight && ab->pending;
	spin_unlock_irqrestore(&ab->lock, flags);
	if (complete) {
		pr_info("last call in flight from client %s (binding %u) returned: completing the pending detach\n",
			ab->client_name, ab->id);
		nmr_provider_detach_client_complete(ab->binding);
	}
}

static bool async_detaching(struct async_binding *ab)
{
	unsigned long flags;
	bool detaching;

	spin_lock_irqsave(&ab->lock, flags);
	detaching = ab->detaching;
	spin_unlock_irqrestore(&ab->lock, flags);
	return detaching;
}

static u64 async_add(void *provider_binding_context, u32 value)
{
	struct async_binding *ab = provider_binding_context;

	atomic64_inc(&ab->calls);
	return atomic64_add_return(value, &ab->sum);
}

static int async_request(void *provider_binding_context, u32 cookie)
{
	struct async_binding *ab = provider_binding_context;
	unsigned int hold = READ_ONCE(hold_ms);
	int ret = -ESHUTDOWN;

	atomic64_inc(&ab->calls);
	if (!async_call_enter(ab))
		return ret;
	if (hold) {
		pr_info("request %u from client %s: holding it in flight for %u ms\n",
			cookie, ab->client_name, hold);
		msleep(hold);
	}
	/*
	 * The detach may have begun while we slept; it is pending on this
	 * call, which keeps the client attached, but we make no new call into
	 * the client after our detach callback has run.
	 */
	if (!async_detaching(ab)) {
		ab->client_dispatch->request_done(ab->client_binding_context, cookie, 0);
		ret = 0;
	} else {
		pr_info("request %u from client %s returns after the detach began: not calling the client back\n",
			cookie, ab->client_name);
	}
	async_call_exit(ab);
	return ret;
}

static void async_get_stats(void *provider_binding_context, struct nmr_sample_stats *stats)
{
	struct async_binding *ab = provider_binding_context;

	stats->calls = atomic64_inc_return(&ab->calls);
	stats->sum = atomic64_read(&ab->sum);
}

static const struct nmr_sample_provider_dispatch async_dispatch = {
	.add = async_add,
	.request = async_request,
	.get_stats = async_get_stats,
};

static int async_attach_client(struct nmr_binding *binding, void *provider_context,
			       const struct nmr_registration_instance *client,
			       void *client_binding_context, const void *client_dispatch,
			       void **provider_binding_context, const void **provider_dispatch)
{
	const struct nmr_sample_client_dispatch *dispatch = client_dispatch;
	struct async_binding *ab;

	if (!dispatch || !dispatch->request_done) {
		pr_info("declining client %s: it gave no request_done callback\n",
			nmr_sample_name(client));
		return -ENODEV;
	}
	ab = kzalloc(sizeof(*ab), GFP_KERNEL);
	if (!ab)
		return -ENOMEM;
	ab->binding = binding;
	ab->id = atomic_inc_return(&async_next_id);
	ab->client_name = nmr_sample_name(client);
	ab->client_dispatch = dispatch;
	ab->client_binding_context = client_binding_context;
	spin_lock_init(&ab->lock);

	*provider_binding_context = ab;
	*provider_dispatch = &async_dispatch;
	pr_info("attached client %s (binding %u; clients now %d)\n", ab->client_name, ab->id,
		atomic_inc_return(&async_clients));
	return 0;
}

/* Asynchronous detach: pending while calls that may call the client run. */
static int async_detach_client(void *provider_binding_context)
{
	struct async_binding *ab = provider_binding_context;
	unsigned long flags;
	unsigned int in_flight;

	spin_lock_irqsave(&ab->lock, flags);
	ab->detaching = true;
	in_flight = ab->in_flight;
	ab->pending = in_flight != 0;
	spin_unlock_irqrestore(&ab->lock, flags);

	/* @ab stays valid until this callback returns, even if completed. */
	if (in_flight) {
		pr_info("detaching from client %s (binding %u): %u call(s) in flight, detach pending\n",
			ab->client_name, ab->id, in_flight);
		return -EINPROGRESS;
	}
	pr_info("detached from client %s (binding %u) after %lld calls: none in flight, detach complete\n",
		ab->client_name, ab->id, atomic64_read(&ab->calls));
	return 0;
}

static void async_cleanup_binding_context(void *provider_binding_context)
{
	struct async_binding *ab = provider_binding_context;

	pr_info("binding %u to client %s cleaned up (clients now %d)\n", ab->id,
		ab->client_name, atomic_dec_return(&async_clients));
	kfree(ab);
}

static const guid_t async_npi_id = NMR_SAMPLE_NPI_ID;

static const struct nmr_sample_npi_chars async_npi_chars = {
	.version = NMR_SAMPLE_NPI_VERSION,
	.name = KBUILD_MODNAME,
};

static const struct nmr_provider_characteristics async_chars = {
	.version = NMR_CHARACTERISTICS_VERSION,
	.length = sizeof(struct nmr_provider_characteristics),
	.provider_attach_client = async_attach_client,
	.provider_detach_client = async_detach_client,
	.provider_cleanup_binding_context = async_cleanup_binding_context,
	.provider_registration_instance = {
		.version = NMR_REGISTRATION_INSTANCE_VERSION,
		.size = sizeof(struct nmr_registration_instance),
		.npi_id = &async_npi_id,
		.npi_specific_characteristics = &async_npi_chars,
	},
};

static int __init async_provider_init(void)
{
	int ret;

	pr_info("registering as a provider of the sample NPI %pUl, version %u (hold_ms=%u)\n",
		&async_npi_id, async_npi_chars.version, hold_ms);
	ret = nmr_register_provider(&async_chars, NULL, &async_handle);
	if (ret) {
		pr_err("registration failed: %d\n", ret);
		return ret;
	}
	pr_info("registered (clients now %d)\n", atomic_read(&async_clients));
	return 0;
}
module_init(async_provider_init);

static void __exit async_provider_exit(void)
{
	int ret;

	pr_info("unloading: deregistering the provider\n");
	ret = nmr_deregister_provider(async_handle);
	if (ret == -EINPROGRESS) {
		pr_info("deregistration pending: waiting for it to complete\n");
		ret = nmr_wait_for_provider_deregister_complete(async_handle);
	}
	if (ret)
		pr_err("deregistration failed: %d\n", ret);
	pr_info("deregistration complete; unloaded\n");
}
module_exit(async_provider_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NMR sample: a provider of the sample NPI with asynchronous detach");
NMR_IMPORT_NS();
