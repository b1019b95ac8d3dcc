// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/nmr/: what is registered and bound, for a person
 * debugging a stuck unload with cat.
 *
 *   registrations  one line per registration, from register to the end of
 *                  its wait: deregistering ones are the interesting ones
 *   bindings       one line per binding, with each side's state and how
 *                  long a pending or draining side has been so
 *
 * Both are printed under nmr_lock, so each is a consistent snapshot.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/seq_file.h>

#include "nmr_internal.h"

static struct dentry *nmr_debugfs_dir;

static void nmr_debugfs_module_id(struct seq_file *m, const struct nmr_module_id *mid)
{
	if (!mid)
		seq_puts(m, "-");
	else if (mid->type == NMR_MIT_GUID)
		seq_printf(m, "%pUl", &mid->guid);
	else
		seq_printf(m, "luid:%llx", mid->if_luid);
}

static int registrations_show(struct seq_file *m, void *unused)
{
	struct nmr_reg *reg;
	struct nmr_binding *b;
	unsigned int n;

	spin_lock_irq(&nmr_lock);
	list_for_each_entry(reg, &nmr_regs, all_node) {
		n = 0;
		list_for_each_entry(b, &reg->bindings, node[reg->role])
			n++;
		seq_printf(m, "%s %s#%u: %s, %u bindings, unload %s, npi %pUl, number %u, module ",
			   nmr_role_name(reg->role), nmr_reg_owner_name(reg), reg->id,
			   reg->state == NMR_REG_REGISTERED ? "registered" : "deregistering",
			   n, reg->unload_refused ? "refused" : "allowed",
			   reg->instance->npi_id, reg->instance->number);
		nmr_debugfs_module_id(m, reg->instance->module_id);
		seq_putc(m, '\n');
	}
	spin_unlock_irq(&nmr_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(registrations);

static void nmr_debugfs_side(struct seq_file *m, const struct nmr_binding *b,
			     enum nmr_role role)
{
	const struct nmr_side *side = &b->side[role];

	seq_printf(m, " %s: %s", nmr_role_name(role), nmr_side_state_name(b, role));
	if (side->state == NMR_SIDE_PENDING || side->state == NMR_SIDE_DRAINING)
		seq_printf(m, " for %u ms", jiffies_to_msecs(jiffies - side->since));
	if (side->state == NMR_SIDE_DRAINING && b->fenced)
		seq_printf(m, " (%d entered)", nmr_rundown_entered_locked(b, role));
}

static int bindings_show(struct seq_file *m, void *unused)
{
	struct nmr_reg *reg;
	struct nmr_binding *b;

	spin_lock_irq(&nmr_lock);
	list_for_each_entry(reg, &nmr_regs, all_node) {
		if (reg->role != NMR_CLIENT)
			continue;
		list_for_each_entry(b, &reg->bindings, node[NMR_CLIENT]) {
			seq_printf(m, "client %s#%u <-> provider %s#%u: %s;",
				   nmr_reg_owner_name(&b->client->reg), b->client->reg.id,
				   nmr_reg_owner_name(&b->provider->reg), b->provider->reg.id,
				   nmr_binding_state_name(b));
			nmr_debugfs_side(m, b, NMR_CLIENT);
			seq_putc(m, ';');
			nmr_debugfs_side(m, b, NMR_PROVIDER);
			seq_putc(m, '\n');
		}
	}
	spin_unlock_irq(&nmr_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bindings);

void nmr_debugfs_init(void)
{
	nmr_debugfs_dir = debugfs_create_dir("nmr", NULL);
	debugfs_create_file("registrations", 0444, nmr_debugfs_dir, NULL,
			    &registrations_fops);
	debugfs_create_file("bindings", 0444, nmr_debugfs_dir, NULL, &bindings_fops);
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
	/* Documentation/fault-injection/fault-injection.rst; an error is ignored. */
	fault_create_debugfs_attr("fail_percpu", nmr_debugfs_dir, &nmr_fail_percpu);
#endif
}

void nmr_debugfs_exit(void)
{
	debugfs_remove_recursive(nmr_debugfs_dir);
}
