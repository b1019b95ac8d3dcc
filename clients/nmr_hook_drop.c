// SPDX-License-Identifier: GPL-2.0
/*
 * nmr_hook_drop - a client of the packet hook NPI that drops UDP to one
 * port and counts what it dropped.
 *
 * While it is attached to a hook provider, every UDP datagram to @port
 * that the provider sees is dropped; once its detach has begun the
 * provider no longer calls it, and the datagrams pass again.  It counts
 * per CPU, per binding, the packets it classified and those it dropped,
 * and logs both at the binding's cleanup, when they are final.
 * /sys/kernel/debug/nmr_hook_drop/counts shows them.
 *
 *   insmod nmr_hook_drop.ko [port=N]
 *   rmmod nmr_hook_drop
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/in.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <nmr/nmr.h>
#include <nmr_hook_npi.h>

static ushort port = 9;
module_param(port, ushort, 0444);
MODULE_PARM_DESC(port, "UDP destination port whose datagrams are dropped (default 9, discard)");

/* Per CPU, for one binding. */
struct drop_counts {
	u64 classified;
	u64 dropped;
};

/**
 * struct drop_binding - the client's context for one provider
 * @node: in drop_bindings; drop_lock.
 * @provider_name: the provider's name, for log lines.
 * @counts: per CPU, what this binding classified and dropped.
 */
struct drop_binding {
	struct list_head node;
	const char *provider_name;
	struct drop_counts __percpu *counts;
};

static struct nmr_client *drop_handle;
static __be16 drop_port;
/* drop_bindings and drop_retired. */
static DEFINE_SPINLOCK(drop_lock);
static LIST_HEAD(drop_bindings);
static struct drop_counts drop_retired;
static struct dentry *drop_debugfs;

/* Softirq context; the provider has entered a section for this call. */
static enum nmr_hook_verdict drop_classify(void *client_binding_context,
					   const struct nmr_hook_packet *packet)
{
	struct drop_binding *db = client_binding_context;

	this_cpu_inc(db->counts->classified);
	if (packet->protocol != IPPROTO_UDP || packet->dport != drop_port)
		return NMR_HOOK_PASS;
	this_cpu_inc(db->counts->dropped);
	return NMR_HOOK_DROP;
}

static const struct nmr_hook_client_dispatch drop_dispatch = {
	.classify = drop_classify,
};

/* Adds @db's counts to @sum.  drop_lock held, or @db is unreachable. */
static void drop_sum(const struct drop_binding *db, struct drop_counts *sum)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct drop_counts *c = per_cpu_ptr(db->counts, cpu);

		sum->classified += READ_ONCE(c->classified);
		sum->dropped += READ_ONCE(c->dropped);
	}
}

static int drop_attach_provider(struct nmr_binding *binding, void *client_context,
				const struct nmr_registration_instance *provider)
{
	const void *provider_dispatch;
	void *provider_binding_context;
	struct drop_binding *db;
	unsigned long flags;
	int ret;

	if (nmr_hook_version(provider) != NMR_HOOK_NPI_VERSION) {
		pr_info("declining provider %s: it speaks version %u of the hook NPI, not %u\n",
			nmr_hook_name(provider), nmr_hook_version(provider), NMR_HOOK_NPI_VERSION);
		return -ENODEV;
	}
	db = kzalloc(sizeof(*db), GFP_KERNEL);
	if (!db)
		return -ENOMEM;
	db->counts = alloc_percpu(struct drop_counts);
	if (!db->counts) {
		kfree(db);
		return -ENOMEM;
	}
	db->provider_name = nmr_hook_name(provider);

	ret = nmr_client_attach_provider(binding, db, &drop_dispatch,
					 &provider_binding_context, &provider_dispatch);
	if (ret) {
		pr_info("provider %s refused the attach: %d\n", db->provider_name, ret);
		free_percpu(db->counts);
		kfree(db);
		return ret;
	}
	spin_lock_irqsave(&drop_lock, flags);
	list_add_tail(&db->node, &drop_bindings);
	spin_unlock_irqrestore(&drop_lock, flags);
	pr_info("attached to hook provider %s: dropping UDP to port %u\n", db->provider_name,
		port);
	return 0;
}

/* The provider's sections are NMR's to wait for.  May run in atomic context. */
static int drop_detach_provider(void *client_binding_context)
{
	struct drop_binding *db = client_binding_context;

	pr_info("detaching from %s\n", db->provider_name);
	return 0;
}

/* No classify call is in flight any more: the counts are final. */
static void drop_cleanup_binding_context(void *client_binding_context)
{
	struct drop_binding *db = client_binding_context;
	struct drop_counts sum = { 0 };
	unsigned long flags;

	spin_lock_irqsave(&drop_lock, flags);
	list_del(&db->node);
	drop_sum(db, &sum);
	drop_retired.classified += sum.classified;
	drop_retired.dropped += sum.dropped;
	spin_unlock_irqrestore(&drop_lock, flags);
	pr_info("binding to %s cleaned up: classified %llu packets, dropped %llu (UDP to port %u)\n",
		db->provider_name, sum.classified, sum.dropped, port);
	free_percpu(db->counts);
	kfree(db);
}

static int drop_show(struct seq_file *m, void *unused)
{
	struct drop_counts sum;
	struct drop_binding *db;
	unsigned int bound = 0;
	unsigned long flags;

	spin_lock_irqsave(&drop_lock, flags);
	sum = drop_retired;
	list_for_each_entry(db, &drop_bindings, node) {
		drop_sum(db, &sum);
		bound++;
	}
	spin_unlock_irqrestore(&drop_lock, flags);
	seq_printf(m, "port %u classified %llu dropped %llu providers %u\n", port,
		   sum.classified, sum.dropped, bound);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(drop);

static const guid_t drop_npi_id = NMR_HOOK_NPI_ID;

static const struct nmr_hook_npi_chars drop_npi_chars = {
	.version = NMR_HOOK_NPI_VERSION,
	.name = KBUILD_MODNAME,
};

static const struct nmr_client_characteristics drop_chars = {
	.version = NMR_CHARACTERISTICS_VERSION,
	.length = sizeof(struct nmr_client_characteristics),
	.client_attach_provider = drop_attach_provider,
	.client_detach_provider = drop_detach_provider,
	.client_cleanup_binding_context = drop_cleanup_binding_context,
	.client_registration_instance = {
		.version = NMR_REGISTRATION_INSTANCE_VERSION,
		.size = sizeof(struct nmr_registration_instance),
		.npi_id = &drop_npi_id,
		.npi_specific_characteristics = &drop_npi_chars,
	},
};

static int __init drop_init(void)
{
	int ret;

	drop_port = htons(port);
	ret = nmr_register_client(&drop_chars, NULL, &drop_handle);
	if (ret) {
		pr_err("registration failed: %d\n", ret);
		return ret;
	}
	drop_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("counts", 0444, drop_debugfs, NULL, &drop_fops);
	pr_info("registered as a client of the hook NPI %pUl, dropping UDP to port %u\n",
		&drop_npi_id, port);
	return 0;
}
module_init(drop_init);

static void __exit drop_exit(void)
{
	ktime_t start = ktime_get();
	int ret;

	debugfs_remove(drop_debugfs);
	ret = nmr_deregister_client(drop_handle);
	if (ret == -EINPROGRESS)
		ret = nmr_wait_for_client_deregister_complete(drop_handle);
	if (ret)
		pr_err("deregistration failed: %d\n", ret);
	pr_info("unloaded: deregistration took %lld us; dropped %llu packets in all\n",
		ktime_us_delta(ktime_get(), start), drop_retired.dropped);
}
module_exit(drop_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NMR sample: a packet hook client dropping UDP to one port");
NMR_IMPORT_NS();
