// SPDX-License-Identifier: GPL-2.0
/*
 * nmr_sample_bridge - a client of the sample NPI and a provider of the
 * bridge NPI at once.
 *
 * Below, it attaches to every provider of the sample NPI (the "lower"
 * bindings).  Above, it provides the bridge NPI, whose one function,
 * forward_add(), it serves by calling add() of its lower providers in turn.
 * Those calls run on the caller's thread, so the bridge counts them per
 * lower binding; a lower detach that finds one in flight returns
 * -EINPROGRESS and the call completes it on its way out.  The bridge never
 * calls its own clients, so its provider side detaches at once.
 *
 * module_exit deregisters both registrations, the provider first so that no
 * new call comes from above, then waits for both.
 *
 *   insmod nmr_sample_bridge.ko
 *   rmmod nmr_sample_bridge
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <nmr/nmr.h>
#include <nmr_sample_npi.h>

/**
 * struct bridge_lower - the bridge's context for one provider below it
 * @node: in bridge_lowers; bridge_lock.
 * @binding: NMR's handle of the binding.
 * @provider_name: the provider's name, from its NPI-specific characteristics.
 * @dispatch: the provider's functions.
 * @provider_binding_context: passed to @dispatch's functions.
 * @in_flight: forward_add() calls in flight into this provider; bridge_lock.
 * @detaching: the detach callback has run: no new calls; bridge_lock.
 * @pending: the detach callback returned, or is about to return,
 *	-EINPROGRESS; the call that drops @in_flight to zero completes it;
 *	bridge_lock.
 */
struct bridge_lower {
	struct list_head node;
	struct nmr_binding *binding;
	const char *provider_name;
	const struct nmr_sample_provider_dispatch *dispatch;
	void *provider_binding_context;
	unsigned int in_flight;
	bool detaching;
	bool pending;
};

/**
 * struct bridge_upper - the bridge's context for one client above it
 * @id: a number for log lines.
 * @client_name: the client's name, from its NPI-specific characteristics.
 */
struct bridge_upper {
	unsigned int id;
	const char *client_name;
};

static struct nmr_client *bridge_client_handle;
static struct nmr_provider *bridge_provider_handle;
static DEFINE_SPINLOCK(bridge_lock);
static LIST_HEAD(bridge_lowers);	/* bridge_lock */
static unsigned int bridge_lower_count;	/* bridge_lock */
static atomic_t bridge_upper_count = ATOMIC_INIT(0);
static atomic_t bridge_next_id = ATOMIC_INIT(0);

/*
 * Pick the next lower provider that is not detaching, round robin, and
 * count a call into it; NULL when there is none.
 */
static struct bridge_lower *bridge_lower_enter(void)
{
	struct bridge_lower *lower;
	unsigned long flags;

	spin_lock_irqsave(&bridge_lock, flags);
	list_for_each_entry(lower, &bridge_lowers, node) {
		if (lower->detaching)
			continue;
		lower->in_flight++;
		list_move_tail(&lower->node, &bridge_lowers);
		spin_unlock_irqrestore(&bridge_lock, flags);
		return lower;
	}
	spin_unlock_irqrestore(&bridge_lock, flags);
	return NULL;
}

/* The last call out of a pending detach completes it; @lower may then go. */
static void bridge_lower_exit(struct bridge_lower *lower)
{
	unsigned long flags;
	bool complete;

	spin_lock_irqsave(&bridge_lock, flags);
	complete = !--lower->in_flight && lower->pending;
	spin_unlock_irqrestore(&bridge_lock, flags);
	if (complete) {
		pr_info("last call in flight into %s returned: completing the pending detach\n",
			lower->provider_name);
		nmr_client_detach_provider_complete(lower->binding);
	}
}

static int bridge_forward_add(void *provider_binding_context, u32 value, u64 *sum)
{
	struct bridge_lower *lower = bridge_lower_enter();

	if (!lower)
		return -ENODEV;
	*sum = lower->dispatch->add(lower->provider_binding_context, value);
	bridge_lower_exit(lower);
	return 0;
}

static const struct nmr_sample_bridge_dispatch bridge_dispatch = {
	.forward_add = bridge_forward_add,
};

/* The bridge never makes requests; the sample NPI requires the callback. */
static void bridge_request_done(void *client_binding_context, u32 cookie, int status)
{
}

static const struct nmr_sample_client_dispatch bridge_client_dispatch = {
	.request_done = bridge_request_done,
};

static int bridge_attach_provider(struct nmr_binding *binding, void *client_context,
				  const struct nmr_registration_instance *provider)
{
	const struct nmr_sample_npi_chars *chars = provider->npi_specific_characteristics;
	const char *name = nmr_sample_name(provider);
	const void *dispatch = NULL;
	struct bridge_lower *lower;
	unsigned long flags;
	unsigned int count;
	int ret;

	if (!chars || chars->version != NMR_SAMPLE_NPI_VERSION) {
		pr_info("declining provider %s: it speaks NPI version %u, the bridge speaks %u\n",
			name, chars ? chars->version : 0, NMR_SAMPLE_NPI_VERSION);
		return -ENODEV;
	}
	lower = kzalloc(sizeof(*lower), GFP_KERNEL);
	if (!lower)
		return -ENOMEM;
	lower->binding = binding;
	lower->provider_name = name;

	ret = nmr_client_attach_provider(binding, lower, &bridge_client_dispatch,
					 &lower->provider_binding_context, &dispatch);
	if (ret) {
		pr_info("provider %s refused the attach: %d\n", name, ret);
		kfree(lower);
		return ret;
	}
	lower->dispatch = dispatch;

	spin_lock_irqsave(&bridge_lock, flags);
	list_add_tail(&lower->node, &bridge_lowers);
	count = ++bridge_lower_count;
	spin_unlock_irqrestore(&bridge_lock, flags);
	pr_info("attached below to provider %s (providers below now %u)\n", name, count);
	return 0;
}

static int bridge_detach_provider(void *client_binding_context)
{
	struct bridge_lower *lower = client_binding_context;
	unsigned int in_flight;
	unsigned long flags;

	spin_lock_irqsave(&bridge_lock, flags);
	lower->detaching = true;
	in_flight = lower->in_flight;
	lower->pending = in_flight != 0;
	spin_unlock_irqrestore(&bridge_lock, flags);

	if (in_flight) {
		pr_info("detaching from provider %s: %u call(s) in flight, detach pending\n",
			lower->provider_name, in_flight);
		return -EINPROGRESS;
	}
	pr_info("detached from provider %s: none in flight, detach complete\n",
		lower->provider_name);
	return 0;
}

static void bridge_cleanup_lower(void *client_binding_context)
{
	struct bridge_lower *lower = client_binding_context;
	unsigned long flags;
	unsigned int count;

	spin_lock_irqsave(&bridge_lock, flags);
	list_del(&lower->node);
	count = --bridge_lower_count;
	spin_unlock_irqrestore(&bridge_lock, flags);
	pr_info("binding to provider %s cleaned up (providers below now %u)\n",
		lower->provider_name, count);
	kfree(lower);
}

static int bridge_attach_client(struct nmr_binding *binding, void *provider_context,
				const struct nmr_registration_instance *client,
				void *client_binding_context, const void *client_dispatch,
				void **provider_binding_context, const void **provider_dispatch)
{
	struct bridge_upper *upper = kzalloc(sizeof(*upper), GFP_KERNEL);

	if (!upper)
		return -ENOMEM;
	upper->id = atomic_inc_return(&bridge_next_id);
	upper->client_name = nmr_sample_name(client);
	*provider_binding_context = upper;
	*provider_dispatch = &bridge_dispatch;
	pr_info("attached above to client %s (binding %u; clients above now %d)\n",
		upper->client_name, upper->id, atomic_inc_return(&bridge_upper_count));
	return 0;
}

/* The bridge NPI has no client dispatch: no call into the client can be in flight. */
static int bridge_detach_client(void *provider_binding_context)
{
	struct bridge_upper *upper = provider_binding_context;

	pr_info("detached from client %s (binding %u): the bridge never calls it, detach complete\n",
		upper->client_name, upper->id);
	return 0;
}

static void bridge_cleanup_upper(void *provider_binding_context)
{
	struct bridge_upper *upper = provider_binding_context;

	pr_info("binding %u to client %s cleaned up (clients above now %d)\n", upper->id,
		upper->client_name, atomic_dec_return(&bridge_upper_count));
	kfree(upper);
}

static const guid_t bridge_sample_npi_id = NMR_SAMPLE_NPI_ID;
static const guid_t bridge_bridge_npi_id = NMR_SAMPLE_BRIDGE_NPI_ID;

static const struct nmr_sample_npi_chars bridge_npi_chars = {
	.version = NMR_SAMPLE_NPI_VERSION,
	.name = KBUILD_MODNAME,
};

static const struct nmr_client_characteristics bridge_client_chars = {
	.version = NMR_CHARACTERISTICS_VERSION,
	.length = sizeof(struct nmr_client_characteristics),
	.client_attach_provider = bridge_attach_provider,
	.client_detach_provider = bridge_detach_provider,
	.client_cleanup_binding_context = bridge_cleanup_lower,
	.client_registration_instance = {
		.version = NMR_REGISTRATION_INSTANCE_VERSION,
		.size = sizeof(struct nmr_registration_instance),
		.npi_id = &bridge_sample_npi_id,
		.npi_specific_characteristics = &bridge_npi_chars,
	},
};

static const struct nmr_provider_characteristics bridge_provider_chars = {
	.version = NMR_CHARACTERISTICS_VERSION,
	.length = sizeof(struct nmr_provider_characteristics),
	.provider_attach_client = bridge_attach_client,
	.provider_detach_client = bridge_detach_client,
	.provider_cleanup_binding_context = bridge_cleanup_upper,
	.provider_registration_instance = {
		.version = NMR_REGISTRATION_INSTANCE_VERSION,
		.size = sizeof(struct nmr_registration_instance),
		.npi_id = &bridge_bridge_npi_id,
		.npi_specific_characteristics = &bridge_npi_chars,
	},
};

static int __init bridge_init(void)
{
	int ret;

	/* Below first, so the first client above finds providers to use. */
	pr_info("registering as a client of the sample NPI %pUl\n", &bridge_sample_npi_id);
	ret = nmr_register_client(&bridge_client_chars, NULL, &bridge_client_handle);
	if (ret) {
		pr_err("client registration failed: %d\n", ret);
		return ret;
	}
	pr_info("registering as a provider of the bridge NPI %pUl\n", &bridge_bridge_npi_id);
	ret = nmr_register_provider(&bridge_provider_chars, NULL, &bridge_provider_handle);
	if (ret) {
		pr_err("provider registration failed: %d\n", ret);
		nmr_unregister_client(bridge_client_handle);
		return ret;
	}
	pr_info("registered (providers below now %u, clients above now %d)\n",
		READ_ONCE(bridge_lower_count), atomic_read(&bridge_upper_count));
	return 0;
}
module_init(bridge_init);

static void __exit bridge_exit(void)
{
	int provider_ret, client_ret;

	pr_info("unloading: deregistering the provider above and the client below\n");
	provider_ret = nmr_deregister_provider(bridge_provider_handle);
	client_ret = nmr_deregister_client(bridge_client_handle);

	if (provider_ret == -EINPROGRESS) {
		pr_info("provider deregistration pending: waiting for it to complete\n");
		nmr_wait_for_provider_deregister_complete(bridge_provider_handle);
		pr_info("provider of the bridge NPI: deregistration complete\n");
	}
	if (client_ret == -EINPROGRESS) {
		pr_info("client deregistration pending: waiting for it to complete\n");
		nmr_wait_for_client_deregister_complete(bridge_client_handle);
		pr_info("client of the sample NPI: deregistration complete\n");
	}
	pr_info("unloaded\n");
}
module_exit(bridge_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NMR sample: a client of the sample NPI that provides the bridge NPI on top of it");
NMR_IMPORT_NS();
