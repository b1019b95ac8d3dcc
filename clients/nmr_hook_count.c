// SPDX-License-Identifier: GPL-2.0
/*
 * nmr_hook_count - a client of the packet hook NPI that counts packets by
 * protocol and lets every packet pass.
 *
 * Its classify function runs in softirq context on any CPU and counts in
 * the binding's per-CPU counters, so it writes no shared cache line.  Its
 * detach callback returns 0: the provider brackets each classify call
 * with nmr_provider_enter()/nmr_provider_exit(), so NMR keeps the binding
 * (and the counters) until the calls in flight have returned, and logs the
 * binding's final count at its cleanup.
 *
 * With instances=N it registers N clients, nmr_hook_count/0 to /N-1, each
 * bound to every hook provider: N classify calls per packet.
 * /sys/kernel/debug/nmr_hook_count/counts shows what each has counted.
 *
 *   insmod nmr_hook_count.ko [instances=N]
 *   rmmod nmr_hook_count
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

#define COUNT_MAX_INSTANCES	16

static unsigned int instances = 1;
module_param(instances, uint, 0444);
MODULE_PARM_DESC(instances, "clients to register, each counting every packet (1-16, default 1)");

enum count_kind { COUNT_TCP, COUNT_UDP, COUNT_ICMP, COUNT_OTHER, COUNT_KINDS };

static const char *const count_kind_names[COUNT_KINDS] = {
	[COUNT_TCP] = "tcp", [COUNT_UDP] = "udp", [COUNT_ICMP] = "icmp", [COUNT_OTHER] = "other",
};

/**
 * struct count_instance - one client registration
 * @handle: NMR's handle of the registration.
 * @chars: its characteristics.
 * @npi_chars: its NPI-specific characteristics; @name is the client's name.
 * @name: "nmr_hook_count/<index>".
 * @retired: what the bindings already cleaned up counted; count_lock.
 */
struct count_instance {
	struct nmr_client *handle;
	struct nmr_client_characteristics chars;
	struct nmr_hook_npi_chars npi_chars;
	char name[32];
	u64 retired[COUNT_KINDS];
};

/**
 * struct count_binding - the client's context for one provider
 * @node: in count_bindings; count_lock.
 * @inst: the registration the binding belongs to.
 * @provider_name: the provider's name, for log lines.
 * @packets: per CPU and per kind, the packets classified.
 */
struct count_binding {
	struct list_head node;
	struct count_instance *inst;
	const char *provider_name;
	u64 __percpu *packets;
};

static struct count_instance *count_instances;
static unsigned int count_registered;
/* count_bindings and every instance's @retired. */
static DEFINE_SPINLOCK(count_lock);
static LIST_HEAD(count_bindings);
static struct dentry *count_debugfs;

static enum count_kind count_kind_of(u8 protocol)
{
	switch (protocol) {
	case IPPROTO_TCP:
		return COUNT_TCP;
	case IPPROTO_UDP:
		return COUNT_UDP;
	case IPPROTO_ICMP:
		return COUNT_ICMP;
	default:
		return COUNT_OTHER;
	}
}

/* Softirq context; the provider has entered a section for this call. */
static enum nmr_hook_verdict count_classify(void *client_binding_context,
					    const struct nmr_hook_packet *packet)
{
	struct count_binding *cb = client_binding_context;

	this_cpu_inc(cb->packets[count_kind_of(packet->protocol)]);
	return NMR_HOOK_PASS;
}

static const struct nmr_hook_client_dispatch count_dispatch = {
	.classify = count_classify,
};

/* Adds @cb's counts to @sums.  count_lock held, or @cb is unreachable. */
static void count_sum(const struct count_binding *cb, u64 *sums)
{
	enum count_kind kind;
	int cpu;

	for_each_possible_cpu(cpu)
		for (kind = 0; kind < COUNT_KINDS; kind++)
			sums[kind] += READ_ONCE(per_cpu_ptr(cb->packets, cpu)[kind]);
}

static u64 count_total(const u64 *sums)
{
	return sums[COUNT_TCP] + sums[COUNT_UDP] + sums[COUNT_ICMP] + sums[COUNT_OTHER];
}

static int count_attach_provider(struct nmr_binding *binding, void *client_context,
				 const struct nmr_registration_instance *provider)
{
	struct count_instance *inst = client_context;
	const void *provider_dispatch;
	void *provider_binding_context;
	struct count_binding *cb;
	unsigned long flags;
	int ret;

	if (nmr_hook_version(provider) != NMR_HOOK_NPI_VERSION) {
		pr_info("%s: declining provider %s: it speaks version %u of the hook NPI, not %u\n",
			inst->name, nmr_hook_name(provider), nmr_hook_version(provider),
			NMR_HOOK_NPI_VERSION);
		return -ENODEV;
	}
	cb = kzalloc(sizeof(*cb), GFP_KERNEL);
	if (!cb)
		return -ENOMEM;
	cb->packets = __alloc_percpu(sizeof(u64) * COUNT_KINDS, __alignof__(u64));
	if (!cb->packets) {
		kfree(cb);
		return -ENOMEM;
	}
	cb->inst = inst;
	cb->provider_name = nmr_hook_name(provider);

	/* From here on the provider may classify packets with @cb. */
	ret = nmr_client_attach_provider(binding, cb, &count_dispatch,
					 &provider_binding_context, &provider_dispatch);
	if (ret) {
		pr_info("%s: provider %s refused the attach: %d\n", inst->name,
			cb->provider_name, ret);
		free_percpu(cb->packets);
		kfree(cb);
		return ret;
	}
	spin_lock_irqsave(&count_lock, flags);
	list_add_tail(&cb->node, &count_bindings);
	spin_unlock_irqrestore(&count_lock, flags);
	pr_info("%s: attached to hook provider %s\n", inst->name, cb->provider_name);
	return 0;
}

/* The provider's sections are NMR's to wait for.  May run in atomic context. */
static int count_detach_provider(void *client_binding_context)
{
	struct count_binding *cb = client_binding_context;

	pr_info("%s: detaching from %s\n", cb->inst->name, cb->provider_name);
	return 0;
}

/* No classify call is in flight any more: the counts are final. */
static void count_cleanup_binding_context(void *client_binding_context)
{
	struct count_binding *cb = client_binding_context;
	u64 sums[COUNT_KINDS] = { 0 };
	enum count_kind kind;
	unsigned long flags;

	spin_lock_irqsave(&count_lock, flags);
	list_del(&cb->node);
	count_sum(cb, sums);
	for (kind = 0; kind < COUNT_KINDS; kind++)
		cb->inst->retired[kind] += sums[kind];
	spin_unlock_irqrestore(&count_lock, flags);
	pr_info("%s: binding to %s cleaned up: classified %llu packets (tcp %llu, udp %llu, icmp %llu, other %llu)\n",
		cb->inst->name, cb->provider_name, count_total(sums), sums[COUNT_TCP],
		sums[COUNT_UDP], sums[COUNT_ICMP], sums[COUNT_OTHER]);
	free_percpu(cb->packets);
	kfree(cb);
}

static int count_show(struct seq_file *m, void *unused)
{
	struct count_binding *cb;
	enum count_kind kind;
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < count_registered; i++) {
		struct count_instance *inst = &count_instances[i];
		u64 sums[COUNT_KINDS];
		unsigned int bound = 0;

		spin_lock_irqsave(&count_lock, flags);
		memcpy(sums, inst->retired, sizeof(sums));
		list_for_each_entry(cb, &count_bindings, node) {
			if (cb->inst != inst)
				continue;
			count_sum(cb, sums);
			bound++;
		}
		spin_unlock_irqrestore(&count_lock, flags);
		seq_printf(m, "%s packets %llu", inst->name, count_total(sums));
		for (kind = 0; kind < COUNT_KINDS; kind++)
			seq_printf(m, " %s %llu", count_kind_names[kind], sums[kind]);
		seq_printf(m, " providers %u\n", bound);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(count);

static const guid_t count_npi_id = NMR_HOOK_NPI_ID;

static void count_instance_init(struct count_instance *inst, unsigned int index)
{
	snprintf(inst->name, sizeof(inst->name), KBUILD_MODNAME "/%u", index);
	inst->npi_chars.version = NMR_HOOK_NPI_VERSION;
	inst->npi_chars.name = inst->name;
	inst->chars = (struct nmr_client_characteristics) {
		.version = NMR_CHARACTERISTICS_VERSION,
		.length = sizeof(struct nmr_client_characteristics),
		.client_attach_provider = count_attach_provider,
		.client_detach_provider = count_detach_provider,
		.client_cleanup_binding_context = count_cleanup_binding_context,
		.client_registration_instance = {
			.version = NMR_REGISTRATION_INSTANCE_VERSION,
			.size = sizeof(struct nmr_registration_instance),
			.npi_id = &count_npi_id,
			.number = index,
			.npi_specific_characteristics = &inst->npi_chars,
		},
	};
}

/* Deregister them all, then wait for each: the detaches run side by side. */
static void count_deregister(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < count_registered; i++) {
		ret = nmr_deregister_client(count_instances[i].handle);
		if (ret != -EINPROGRESS)
			pr_err("%s: deregistration failed: %d\n", count_instances[i].name, ret);
	}
	for (i = 0; i < count_registered; i++) {
		ret = nmr_wait_for_client_deregister_complete(count_instances[i].handle);
		if (ret)
			pr_err("%s: waiting for the deregistration failed: %d\n",
			       count_instances[i].name, ret);
	}
	count_registered = 0;
}

static int __init count_init(void)
{
	unsigned int i;
	int ret;

	if (!instances || instances > COUNT_MAX_INSTANCES) {
		pr_err("instances=%u: must be 1 to %d\n", instances, COUNT_MAX_INSTANCES);
		return -EINVAL;
	}
	count_instances = kcalloc(instances, sizeof(*count_instances), GFP_KERNEL);
	if (!count_instances)
		return -ENOMEM;
	for (i = 0; i < instances; i++) {
		struct count_instance *inst = &count_instances[i];

		count_instance_init(inst, i);
		ret = nmr_register_client(&inst->chars, inst, &inst->handle);
		if (ret) {
			pr_err("%s: registration failed: %d\n", inst->name, ret);
			goto deregister;
		}
		count_registered++;
	}
	count_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("counts", 0444, count_debugfs, NULL, &count_fops);
	pr_info("registered %u client%s of the hook NPI %pUl\n", instances,
		instances == 1 ? "" : "s", &count_npi_id);
	return 0;

deregister:
	count_deregister();
	kfree(count_instances);
	return ret;
}
module_init(count_init);

static void __exit count_exit(void)
{
	ktime_t start = ktime_get();

	debugfs_remove(count_debugfs);
	count_deregister();
	pr_info("unloaded: deregistration took %lld us\n",
		ktime_us_delta(ktime_get(), start));
	kfree(count_instances);
}
module_exit(count_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NMR sample: a packet hook client counting packets by protocol");
NMR_IMPORT_NS();
