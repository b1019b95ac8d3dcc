// SPDX-License-Identifier: GPL-2.0
/*
 * nmr_hook_provider - a provider of the packet hook NPI over netfilter.
 *
 * It owns a netfilter hook at NF_INET_LOCAL_IN (IPv4, initial network
 * namespace) from module_init to module_exit, attached clients or not.
 * Every IPv4 packet delivered locally is parsed once and handed, in
 * softirq context, to the classify function of every attached client,
 * each call bracketed by nmr_provider_enter() and nmr_provider_exit():
 * a client whose detach has begun is skipped, and its unload waits for
 * the calls in flight on the other CPUs.  So the detach callback only
 * takes the binding off the list the hook walks, and returns 0.
 *
 * Per binding it counts, per CPU, the packets it handed to the client;
 * the count is logged when the binding is cleaned up, when no call can be
 * in flight, so it can be compared with what the client counted.
 * /sys/kernel/debug/nmr_hook_provider/stats shows the live counts.
 *
 *   insmod nmr_hook_provider.ko
 *   rmmod nmr_hook_provider
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/ip.h>
#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <net/ip.h>
#include <net/net_namespace.h>
#include <nmr/nmr.h>
#include <nmr_hook_npi.h>

/**
 * struct hook_binding - the provider's context for one client
 * @node: in hook_bindings from the attach to the detach; RCU, hook_lock.
 * @binding: NMR's handle of the binding.
 * @client_name: the client's name, from its NPI-specific characteristics.
 * @classify: the client's classify function.
 * @client_binding_context: passed to @classify.
 * @dispatched: per CPU, the packets handed to @classify.
 * @rcu: frees the context once no hook can see it on the list.
 */
struct hook_binding {
	struct list_head node;
	struct nmr_binding *binding;
	const char *client_name;
	enum nmr_hook_verdict (*classify)(void *client_binding_context,
					  const struct nmr_hook_packet *packet);
	void *client_binding_context;
	u64 __percpu *dispatched;
	struct rcu_head rcu;
};

/* The bindings the hook walks, under RCU; written under hook_lock. */
static LIST_HEAD(hook_bindings);
static DEFINE_SPINLOCK(hook_lock);
static DEFINE_PER_CPU(u64, hook_packets);
static atomic_t hook_clients = ATOMIC_INIT(0);
static struct nmr_provider *hook_handle;
static struct dentry *hook_debugfs;

static u64 hook_sum(u64 __percpu *counter)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(counter, cpu));
	return sum;
}

/* Fills @pkt from @skb, whose data starts at the IP header here. */
static void hook_parse(struct sk_buff *skb, struct nmr_hook_packet *pkt)
{
	const struct iphdr *iph = ip_hdr(skb);
	__be16 ports[2], *p;

	pkt->skb = skb;
	pkt->saddr = iph->saddr;
	pkt->daddr = iph->daddr;
	pkt->protocol = iph->protocol;
	pkt->len = ntohs(iph->tot_len);
	pkt->sport = 0;
	pkt->dport = 0;
	if ((iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP) ||
	    ip_is_fragment(iph))
		return;
	/* TCP and UDP both start with the source and destination ports. */
	p = skb_header_pointer(skb, skb_network_offset(skb) + ip_hdrlen(skb),
			       sizeof(ports), ports);
	if (p) {
		pkt->sport = p[0];
		pkt->dport = p[1];
	}
}

/* Softirq context, in an RCU read-side critical section (nf_hook()). */
static unsigned int hook_local_in(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	unsigned int verdict = NF_ACCEPT;
	struct nmr_hook_packet pkt;
	struct hook_binding *hb;

	this_cpu_inc(hook_packets);
	hook_parse(skb, &pkt);
	list_for_each_entry_rcu(hb, &hook_bindings, node) {
		/* False once the binding's detach has begun: skip the client. */
		if (!nmr_provider_enter(hb->binding))
			continue;
		if (hb->classify(hb->client_binding_context, &pkt) == NMR_HOOK_DROP)
			verdict = NF_DROP;
		this_cpu_inc(*hb->dispatched);
		nmr_provider_exit(hb->binding);
	}
	return verdict;
}

static const struct nf_hook_ops hook_ops = {
	.hook = hook_local_in,
	.pf = NFPROTO_IPV4,
	.hooknum = NF_INET_LOCAL_IN,
	.priority = NF_IP_PRI_FILTER,
};

static int hook_attach_client(struct nmr_binding *binding, void *provider_context,
			      const struct nmr_registration_instance *client,
			      void *client_binding_context, const void *client_dispatch,
			      void **provider_binding_context, const void **provider_dispatch)
{
	const struct nmr_hook_client_dispatch *dispatch = client_dispatch;
	struct hook_binding *hb;
	unsigned long flags;

	if (nmr_hook_version(client) != NMR_HOOK_NPI_VERSION) {
		pr_info("declining client %s: it speaks version %u of the hook NPI, not %u\n",
			nmr_hook_name(client), nmr_hook_version(client), NMR_HOOK_NPI_VERSION);
		return -ENODEV;
	}
	if (!dispatch || !dispatch->classify) {
		pr_info("declining client %s: it gave no classify function\n",
			nmr_hook_name(client));
		return -ENODEV;
	}
	hb = kzalloc(sizeof(*hb), GFP_KERNEL);
	if (!hb)
		return -ENOMEM;
	hb->dispatched = alloc_percpu(u64);
	if (!hb->dispatched) {
		kfree(hb);
		return -ENOMEM;
	}
	hb->binding = binding;
	hb->client_name = nmr_hook_name(client);
	hb->classify = dispatch->classify;
	hb->client_binding_context = client_binding_context;

	spin_lock_irqsave(&hook_lock, flags);
	list_add_tail_rcu(&hb->node, &hook_bindings);
	spin_unlock_irqrestore(&hook_lock, flags);

	*provider_binding_context = hb;
	*provider_dispatch = NULL;
	pr_info("attached client %s (clients now %d)\n", hb->client_name,
		atomic_inc_return(&hook_clients));
	return 0;
}

/*
 * The hook stops calling the client once the binding is off the list, and
 * already skips it (nmr_provider_enter() fails); NMR waits for the calls
 * in flight before the detach completes.  May run in atomic context.
 */
static int hook_detach_client(void *provider_binding_context)
{
	struct hook_binding *hb = provider_binding_context;
	unsigned long flags;

	spin_lock_irqsave(&hook_lock, flags);
	list_del_rcu(&hb->node);
	spin_unlock_irqrestore(&hook_lock, flags);
	pr_info("detaching client %s\n", hb->client_name);
	return 0;
}

static void hook_binding_free(struct rcu_head *rcu)
{
	struct hook_binding *hb = container_of(rcu, struct hook_binding, rcu);

	free_percpu(hb->dispatched);
	kfree(hb);
}

/*
 * No call into the client is in flight any more, so the count is final.
 * A hook that found the binding on the list before the detach may still
 * look at it (and fail to enter): freed after a grace period.  May run in
 * atomic context, the hook's own included.
 */
static void hook_cleanup_binding_context(void *provider_binding_context)
{
	struct hook_binding *hb = provider_binding_context;

	pr_info("binding to client %s cleaned up: dispatched %llu packets (clients now %d)\n",
		hb->client_name, hook_sum(hb->dispatched), atomic_dec_return(&hook_clients));
	call_rcu(&hb->rcu, hook_binding_free);
}

static int hook_stats_show(struct seq_file *m, void *unused)
{
	struct hook_binding *hb;
	u64 packets = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		packets += READ_ONCE(per_cpu(hook_packets, cpu));
	seq_printf(m, "packets %llu\nclients %d\n", packets, atomic_read(&hook_clients));
	rcu_read_lock();
	list_for_each_entry_rcu(hb, &hook_bindings, node)
		seq_printf(m, "client %s dispatched %llu\n", hb->client_name,
			   hook_sum(hb->dispatched));
	rcu_read_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hook_stats);

static const guid_t hook_npi_id = NMR_HOOK_NPI_ID;

static const struct nmr_hook_npi_chars hook_npi_chars = {
	.version = NMR_HOOK_NPI_VERSION,
	.name = KBUILD_MODNAME,
};

static const struct nmr_provider_characteristics hook_chars = {
	.version = NMR_CHARACTERISTICS_VERSION,
	.length = sizeof(struct nmr_provider_characteristics),
	.provider_attach_client = hook_attach_client,
	.provider_detach_client = hook_detach_client,
	.provider_cleanup_binding_context = hook_cleanup_binding_context,
	.provider_registration_instance = {
		.version = NMR_REGISTRATION_INSTANCE_VERSION,
		.size = sizeof(struct nmr_registration_instance),
		.npi_id = &hook_npi_id,
		.npi_specific_characteristics = &hook_npi_chars,
	},
};

static int __init hook_provider_init(void)
{
	int ret;

	ret = nf_register_net_hook(&init_net, &hook_ops);
	if (ret) {
		pr_err("netfilter hook registration failed: %d\n", ret);
		return ret;
	}
	hook_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stats", 0444, hook_debugfs, NULL, &hook_stats_fops);
	ret = nmr_register_provider(&hook_chars, NULL, &hook_handle);
	if (ret) {
		pr_err("registration failed: %d\n", ret);
		goto unhook;
	}
	pr_info("hooked IPv4 local delivery; registered as a provider of the hook NPI %pUl (clients now %d)\n",
		&hook_npi_id, atomic_read(&hook_clients));
	return 0;

unhook:
	debugfs_remove(hook_debugfs);
	nf_unregister_net_hook(&init_net, &hook_ops);
	return ret;
}
module_init(hook_provider_init);

/*
 * Deregister first, with the hook still called: the detaches happen under
 * traffic, as they would when the provider stayed.  Then unhook, and wait
 * for the contexts the cleanups left to RCU.
 */
static void __exit hook_provider_exit(void)
{
	int ret;

	pr_info("unloading: deregistering the provider (clients now %d)\n",
		atomic_read(&hook_clients));
	ret = nmr_deregister_provider(hook_handle);
	if (ret == -EINPROGRESS)
		ret = nmr_wait_for_provider_deregister_complete(hook_handle);
	if (ret)
		pr_err("deregistration failed: %d\n", ret);
	debugfs_remove(hook_debugfs);
	nf_unregister_net_hook(&init_net, &hook_ops);
	rcu_barrier();
	pr_info("unhooked; unloaded\n");
}
module_exit(hook_provider_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NMR sample: a packet hook provider over netfilter (IPv4 local delivery)");
NMR_IMPORT_NS();
