// SPDX-License-Identifier: GPL-2.0
/*
 * nmr_sample_client - a client of the sample NPI and of the bridge NPI.
 *
 * It holds two client registrations, one per NPI, and attaches to every
 * provider of either whose NPI version it speaks; others it declines with
 * -ENODEV.  Each binding gets a context on a list and a delayed work item
 * that calls the provider every period_ms while the binding is attached.
 *
 * The work item is the client's only caller into a provider, so "a call in
 * flight" means "the work item is queued or running".  The detach callback
 * stops the work: a queued work item is cancelled and the detach is done at
 * once; a running one makes the detach return -EINPROGRESS, and the work
 * item completes it with nmr_client_detach_provider_complete() when its
 * call returns.  module_exit deregisters both registrations and waits for
 * both before it returns.
 *
 *   insmod nmr_sample_client.ko [period_ms=500]
 *   rmmod nmr_sample_client
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <nmr/nmr.h>
#include <nmr_sample_npi.h>

static unsigned int period_ms = 500;
module_param(period_ms, uint, 0644);
MODULE_PARM_DESC(period_ms, "Milliseconds between calls into each provider (default 500)");

enum client_npi {
	CLIENT_SAMPLE_NPI,
	CLIENT_BRIDGE_NPI,
};

static const char *const client_npi_names[] = {
	[CLIENT_SAMPLE_NPI] = "sample",
	[CLIENT_BRIDGE_NPI] = "bridge",
};

/**
 * struct client_binding - the client's context for one provider
 * @node: in client_bindings; client_lock.
 * @binding: NMR's handle of the binding.
 * @npi: which of the two NPIs the binding is of.
 * @provider_name: the provider's name, from its NPI-specific characteristics.
 * @sample: the provider's dispatch table, for %CLIENT_SAMPLE_NPI.
 * @bridge: the provider's dispatch table, for %CLIENT_BRIDGE_NPI.
 * @provider_binding_context: passed to the provider's functions.
 * @work: calls the provider, then queues itself again until detach.
 * @lock: protects @busy, @detaching and @pending.
 * @busy: @work is queued or running, so a call may be in flight.
 * @detaching: the detach callback has run: @work makes no new call.
 * @pending: the detach callback returned, or is about to return,
 *	-EINPROGRESS; @work completes the detach when it ends.
 * @calls: calls made so far; only @work touches it while @busy.
 * @requests_done: request_done() callbacks received.
 */
struct client_binding {
	struct list_head node;
	struct nmr_binding *binding;
	enum client_npi npi;
	const char *provider_name;
	union {
		const struct nmr_sample_provider_dispatch *sample;
		const struct nmr_sample_bridge_dispatch *bridge;
	};
	void *provider_binding_context;
	struct delayed_work work;
	spinlock_t lock;	/* @busy, @detaching, @pending */
	bool busy;
	bool detaching;
	bool pending;
	u32 calls;
	atomic_t requests_done;
};

static struct nmr_client *client_handles[2];
static struct workqueue_struct *client_wq;
static DEFINE_SPINLOCK(client_lock);
static LIST_HEAD(client_bindings);	/* client_lock */
static unsigned int client_count;	/* client_lock */

static void client_request_done(void *client_binding_context, u32 cookie, int status)
{
	struct client_binding *cb = client_binding_context;

	atomic_inc(&cb->requests_done);
}

static const struct nmr_sample_client_dispatch client_dispatch = {
	.request_done = client_request_done,
};

/* One round of calls into the provider; logs calls 1, 2, 4, 8, ... */
static void client_call(struct client_binding *cb)
{
	u32 n = ++cb->calls;
	struct nmr_sample_stats stats;
	u64 sum = 0;
	int ret;

	if (cb->npi == CLIENT_BRIDGE_NPI) {
		ret = cb->bridge->forward_add(cb->provider_binding_context, 1, &sum);
		if (is_power_of_2(n) || ret)
			pr_info("call %u into %s: forward_add: %d, sum %llu\n", n,
				cb->provider_name, ret, sum);
		return;
	}
	sum = cb->sample->add(cb->provider_binding_context, 1);
	ret = cb->sample->request(cb->provider_binding_context, n);
	if (ret) {
		pr_info("call %u into %s: request %u: %d\n", n, cb->provider_name, n, ret);
	} else if (is_power_of_2(n)) {
		cb->sample->get_stats(cb->provider_binding_context, &stats);
		pr_info("call %u into %s: sum %llu, %d requests done; provider counted %llu calls\n",
			n, cb->provider_name, sum, atomic_read(&cb->requests_done), stats.calls);
	}
}

/*
 * The end of the work item: the binding is detaching.  If the detach is
 * pending on us, complete it; @cb may then be freed, so it is not touched
 * after.
 */
static void client_work_end(struct client_binding *cb)
{
	unsigned long flags;
	bool pending;

	spin_lock_irqsave(&cb->lock, flags);
	cb->busy = false;
	pending = cb->pending;
	spin_unlock_irqrestore(&cb->lock, flags);
	if (pending) {
		pr_info("call in flight into %s returned after %u calls: completing the pending detach\n",
			cb->provider_name, cb->calls);
		nmr_client_detach_provider_complete(cb->binding);
	}
}

static void client_work(struct work_struct *work)
{
	struct client_binding *cb = container_of(to_delayed_work(work), struct client_binding,
						 work);
	unsigned long flags;
	bool detaching;

	spin_lock_irqsave(&cb->lock, flags);
	detaching = cb->detaching;
	spin_unlock_irqrestore(&cb->lock, flags);
	if (!detaching) {
		client_call(cb);

		spin_lock_irqsave(&cb->lock, flags);
		detaching = cb->detaching;
		if (!detaching)
			queue_delayed_work(client_wq, &cb->work,
					   msecs_to_jiffies(READ_ONCE(period_ms)));
		spin_unlock_irqrestore(&cb->lock, flags);
	}
	if (detaching)
		client_work_end(cb);
}

static int client_attach(struct nmr_binding *binding, enum client_npi npi,
			 const struct nmr_registration_instance *provider)
{
	const struct nmr_sample_npi_chars *chars = provider->npi_specific_characteristics;
	const char *name = nmr_sample_name(provider);
	const void *dispatch = NULL;
	struct client_binding *cb;
	unsigned long flags;
	unsigned int count;
	int ret;

	if (!chars || chars->version != NMR_SAMPLE_NPI_VERSION) {
		pr_info("declining %s provider %s: it speaks NPI version %u, this client speaks %u\n",
			client_npi_names[npi], name, chars ? chars->version : 0,
			NMR_SAMPLE_NPI_VERSION);
		return -ENODEV;
	}

	cb = kzalloc(sizeof(*cb), GFP_KERNEL);
	if (!cb)
		return -ENOMEM;
	cb->binding = binding;
	cb->npi = npi;
	cb->provider_name = name;
	INIT_DELAYED_WORK(&cb->work, client_work);
	spin_lock_init(&cb->lock);

	ret = nmr_client_attach_provider(binding, cb,
					 npi == CLIENT_SAMPLE_NPI ? &client_dispatch : NULL,
					 &cb->provider_binding_context, &dispatch);
	if (ret) {
		pr_info("%s provider %s refused the attach: %d\n", client_npi_names[npi], name,
			ret);
		kfree(cb);
		return ret;
	}
	if (npi == CLIENT_SAMPLE_NPI)
		cb->sample = dispatch;
	else
		cb->bridge = dispatch;

	spin_lock_irqsave(&client_lock, flags);
	list_add_tail(&cb->node, &client_bindings);
	count = ++client_count;
	spin_unlock_irqrestore(&client_lock, flags);
	pr_info("attached to %s provider %s (NPI version %u; bindings now %u)\n",
		client_npi_names[npi], name, chars->version, count);

	/* NMR calls our detach only after we return, so no lock is needed yet. */
	cb->busy = true;
	queue_delayed_work(client_wq, &cb->work, 0);
	return 0;
}

static int client_attach_sample_provider(struct nmr_binding *binding, void *client_context,
					 const struct nmr_registration_instance *provider)
{
	return client_attach(binding, CLIENT_SAMPLE_NPI, provider);
}

static int client_attach_bridge_provider(struct nmr_binding *binding, void *client_context,
					 const struct nmr_registration_instance *provider)
{
	return client_attach(binding, CLIENT_BRIDGE_NPI, provider);
}

/* May run in atomic context: cancel_delayed_work() does not wait. */
static int client_detach_provider(void *client_binding_context)
{
	struct client_binding *cb = client_binding_context;
	unsigned long flags;
	bool busy;

	spin_lock_irqsave(&cb->lock, flags);
	cb->detaching = true;
	if (cb->busy && cancel_delayed_work(&cb->work))
		cb->busy = false;
	busy = cb->busy;
	cb->pending = busy;
	spin_unlock_irqrestore(&cb->lock, flags);

	/* @cb stays valid until this callback returns, even if completed. */
	if (busy) {
		pr_info("detaching from %s: a call is in flight, detach pending\n",
			cb->provider_name);
		return -EINPROGRESS;
	}
	pr_info("detached from %s after %u calls: none in flight, detach complete\n",
		cb->provider_name, cb->calls);
	return 0;
}

static void client_cleanup_binding_context(void *client_binding_context)
{
	struct client_binding *cb = client_binding_context;
	unsigned long flags;
	unsigned int count;

	spin_lock_irqsave(&client_lock, flags);
	list_del(&cb->node);
	count = --client_count;
	spin_unlock_irqrestore(&client_lock, flags);
	pr_info("binding to %s cleaned up (bindings now %u)\n", cb->provider_name, count);
	kfree(cb);
}

static const guid_t client_sample_npi_id = NMR_SAMPLE_NPI_ID;
static const guid_t client_bridge_npi_id = NMR_SAMPLE_BRIDGE_NPI_ID;

static const struct nmr_sample_npi_chars client_npi_chars = {
	.version = NMR_SAMPLE_NPI_VERSION,
	.name = KBUILD_MODNAME,
};

static const struct nmr_client_characteristics client_chars[] = {
	[CLIENT_SAMPLE_NPI] = {
		.version = NMR_CHARACTERISTICS_VERSION,
		.length = sizeof(struct nmr_client_characteristics),
		.client_attach_provider = client_attach_sample_provider,
		.client_detach_provider = client_detach_provider,
		.client_cleanup_binding_context = client_cleanup_binding_context,
		.client_registration_instance = {
			.version = NMR_REGISTRATION_INSTANCE_VERSION,
			.size = sizeof(struct nmr_registration_instance),
			.npi_id = &client_sample_npi_id,
			.npi_specific_characteristics = &client_npi_chars,
		},
	},
	[CLIENT_BRIDGE_NPI] = {
		.version = NMR_CHARACTERISTICS_VERSION,
		.length = sizeof(struct nmr_client_characteristics),
		.client_attach_provider = client_attach_bridge_provider,
		.client_detach_provider = client_detach_provider,
		.client_cleanup_binding_context = client_cleanup_binding_context,
		.client_registration_instance = {
			.version = NMR_REGISTRATION_INSTANCE_VERSION,
			.size = sizeof(struct nmr_registration_instance),
			.npi_id = &client_bridge_npi_id,
			.npi_specific_characteristics = &client_npi_chars,
		},
	},
};

/*
 * Deregister the first @count registrations, then wait for each: their
 * detaches run side by side rather than one after the other.
 */
static void client_deregister(int count)
{
	int i;

	for (i = 0; i < count; i++)
		if (nmr_deregister_client(client_handles[i]) != -EINPROGRESS)
			pr_err("deregistering the %s client failed\n", client_npi_names[i]);
	for (i = 0; i < count; i++) {
		if (nmr_wait_for_client_deregister_complete(client_handles[i]))
			pr_err("waiting for the %s client failed\n", client_npi_names[i]);
		else
			pr_info("client of the %s NPI: deregistration complete\n",
				client_npi_names[i]);
	}
}

static int __init client_init(void)
{
	int i, ret;

	/* The work items call providers that may sleep (hold_ms). */
	client_wq = alloc_workqueue(KBUILD_MODNAME, 0, 0);
	if (!client_wq)
		return -ENOMEM;

	for (i = 0; i < ARRAY_SIZE(client_chars); i++) {
		pr_info("registering as a client of the %s NPI %pUl, version %u\n",
			client_npi_names[i], client_chars[i].client_registration_instance.npi_id,
			NMR_SAMPLE_NPI_VERSION);
		ret = nmr_register_client(&client_chars[i], NULL, &client_handles[i]);
		if (ret) {
			pr_err("registration failed: %d\n", ret);
			goto undo_registrations;
		}
	}
	pr_info("registered (bindings now %u)\n", READ_ONCE(client_count));
	return 0;

undo_registrations:
	client_deregister(i);
	destroy_workqueue(client_wq);
	return ret;
}
module_init(client_init);

static void __exit client_exit(void)
{
	pr_info("unloading: deregistering both clients (bindings now %u)\n",
		READ_ONCE(client_count));
	client_deregister(ARRAY_SIZE(client_chars));
	/* The last work item may still be returning from its complete call. */
	destroy_workqueue(client_wq);
	pr_info("unloaded\n");
}
module_exit(client_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NMR sample: a client of the sample and bridge NPIs that calls its providers");
NMR_IMPORT_NS();
