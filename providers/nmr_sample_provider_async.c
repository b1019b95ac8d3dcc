// SPDX-License-Identifier: GPL-2.0
/*
 * nmr_sample_provider_async - a provider of the sample NPI whose calls into
 * the client are guarded by NMR's rundown protection (contract section 8).
 *
 * Its request() function calls back into the client, and may hold the call
 * in flight for hold_ms first (a stand-in for waiting on hardware).  It
 * brackets that with nmr_provider_enter() and nmr_provider_exit() instead of
 * counting calls itself: enter fails once the detach has begun, so no new
 * call reaches the client; a call entered before keeps the client attached
 * until its exit.  So the detach callback simply returns 0 and NMR
 * completes the provider side when the last entered call exits.  Compare
 * nmr_sample_client and nmr_sample_bridge, which hand-write the Windows
 * pattern (a counter under a lock, -EINPROGRESS and a complete call).
 *
 *   insmod nmr_sample_provider_async.ko [hold_ms=1500]
 *   rmmod nmr_sample_provider_async
 *
 * With hold_ms set, rmmod of this module or of a client bound to it waits
 * until the request in flight returns, and dmesg shows the detach returning
 * 0 and the cleanup coming only after the call has exited.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <nmr/nmr.h>
#include <nmr_sample_npi.h>

static unsigned int hold_ms;
module_param(hold_ms, uint, 0644);
MODULE_PARM_DESC(hold_ms, "Milliseconds each request() call is held in flight (default 0)");

/**
 * struct async_binding - the provider's context for one client
 * @binding: NMR's handle of the binding, for nmr_provider_enter/exit().
 * @id: a number for log lines.
 * @client_name: the client's name, from its NPI-specific characteristics.
 * @client_dispatch: the client's callbacks.
 * @client_binding_context: passed to @client_dispatch's callbacks.
 * @calls: calls the client made into this binding.
 * @sum: the sum of the values the client added.
 */
struct async_binding {
	struct nmr_binding *binding;
	unsigned int id;
	const char *client_name;
	const struct nmr_sample_client_dispatch *client_dispatch;
	void *client_binding_context;
	atomic64_t calls;
	atomic64_t sum;
};

static struct nmr_provider *async_handle;
static atomic_t async_next_id = ATOMIC_INIT(0);
static atomic_t async_clients = ATOMIC_INIT(0);

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

	atomic64_inc(&ab->calls);
	/* The client stays attached from here to nmr_provider_exit(). */
	if (!nmr_provider_enter(ab->binding)) {
		pr_info("request %u from client %s refused: the detach has begun\n",
			cookie, ab->client_name);
		return -ESHUTDOWN;
	}
	if (hold) {
		pr_info("request %u from client %s: holding it in flight for %u ms\n",
			cookie, ab->client_name, hold);
		msleep(hold);
	}
	ab->client_dispatch->request_done(ab->client_binding_context, cookie, 0);
	pr_info("request %u from client %s served; nmr_provider_exit()\n",
		cookie, ab->client_name);
	/* May end the provider side's detach; @ab may be freed after it. */
	nmr_provider_exit(ab->binding);
	return 0;
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

	*provider_binding_context = ab;
	*provider_dispatch = &async_dispatch;
	pr_info("attached client %s (binding %u; clients now %d)\n", ab->client_name, ab->id,
		atomic_inc_return(&async_clients));
	return 0;
}

/*
 * Nothing to drain by hand: NMR completes this side once every call entered
 * with nmr_provider_enter() has exited.
 */
static int async_detach_client(void *provider_binding_context)
{
	struct async_binding *ab = provider_binding_context;

	pr_info("detaching from client %s (binding %u): returning 0; NMR completes the detach once the calls entered with nmr_provider_enter() have exited\n",
		ab->client_name, ab->id);
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
MODULE_DESCRIPTION("NMR sample: a provider of the sample NPI whose calls into the client use rundown protection");
NMR_IMPORT_NS();
