// SPDX-License-Identifier: GPL-2.0
/*
 * Registrations and matching: the NPI index, register, deregister, wait,
 * and refuse/request unload.
 *
 * Matching goes through a hash table keyed by the NPI GUID's value, so a
 * registration costs time in the number of peers of its own NPI, and a
 * deregistration in the number of its own bindings, whatever else is
 * registered.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "nmr_internal.h"
#include "nmr_trace.h"

DEFINE_SPINLOCK(nmr_lock);

unsigned int nmr_wait_warn_secs = 10;
module_param_named(wait_warn_secs, nmr_wait_warn_secs, uint, 0644);
MODULE_PARM_DESC(wait_warn_secs,
		 "Seconds a deregistration wait may take before NMR logs, every that many seconds, what it is waiting for (0: never)");

/**
 * struct nmr_npi - the registrations of one NPI id
 * @node: in nmr_npis; nmr_lock.
 * @id: the NPI id, copied: registrations match on its value.
 * @regs: the live (not deregistered) registrations of each role, in the
 *	order they registered; nmr_lock.
 * @count: the number of entries on each of @regs; nmr_lock.
 */
struct nmr_npi {
	struct hlist_node node;
	guid_t id;
	struct list_head regs[NMR_ROLES];
	unsigned int count[NMR_ROLES];
};

/* 1024 buckets: about ten NPIs a bucket with 10,000 distinct NPIs. */
static DEFINE_HASHTABLE(nmr_npis, 10);
/* Every registration from register to the end of its wait, for debugfs. */
LIST_HEAD(nmr_regs);
static u32 nmr_next_id;	/* nmr_lock */
struct nmr_alive nmr_alive;
atomic_long_t nmr_misuses;

const char *nmr_role_name(enum nmr_role role)
{
	return role == NMR_CLIENT ? "client" : "provider";
}

const char *nmr_reg_owner_name(const struct nmr_reg *reg)
{
	return reg->owner ? module_name(reg->owner) : "kernel";
}

static u32 nmr_npi_hash(const guid_t *id)
{
	return jhash(id, sizeof(*id), 0);
}

static struct nmr_npi *nmr_npi_find_locked(const guid_t *id)
{
	struct nmr_npi *npi;

	lockdep_assert_held(&nmr_lock);
	hash_for_each_possible(nmr_npis, npi, node, nmr_npi_hash(id))
		if (guid_equal(&npi->id, id))
			return npi;
	return NULL;
}

static struct nmr_npi *nmr_npi_alloc(const guid_t *id)
{
	struct nmr_npi *npi = kzalloc(sizeof(*npi), GFP_KERNEL);

	if (npi) {
		guid_copy(&npi->id, id);
		INIT_LIST_HEAD(&npi->regs[NMR_CLIENT]);
		INIT_LIST_HEAD(&npi->regs[NMR_PROVIDER]);
		atomic_inc(&nmr_alive.npis);
	}
	return npi;
}

static void nmr_npi_free(struct nmr_npi *npi)
{
	if (npi) {
		atomic_dec(&nmr_alive.npis);
		kfree(npi);
	}
}

/**
 * nmr_reg_put_locked() - drop one user of @reg
 * @reg: the registration.
 *
 * The last user ends the deregistration: the wait may return and free
 * @reg, so the caller must not touch it afterwards.
 *
 * Context: nmr_lock held.
 */
void nmr_reg_put_locked(struct nmr_reg *reg)
{
	lockdep_assert_held(&nmr_lock);
	if (WARN_ON_ONCE(!reg->users))
		return;
	if (!--reg->users)
		complete(&reg->done);
}

static bool nmr_instance_valid(const struct nmr_registration_instance *inst,
			       unsigned long caller)
{
	const struct nmr_module_id *mid = inst->module_id;

	if (inst->version != NMR_REGISTRATION_INSTANCE_VERSION ||
	    inst->size != sizeof(*inst)) {
		nmr_misuse(caller, "registration instance version %u size %u, expected %u and %zu",
			   inst->version, inst->size, NMR_REGISTRATION_INSTANCE_VERSION,
			   sizeof(*inst));
		return false;
	}
	if (!inst->npi_id) {
		nmr_misuse(caller, "NULL NPI id");
		return false;
	}
	if (mid && (mid->length != sizeof(*mid) ||
		    (mid->type != NMR_MIT_GUID && mid->type != NMR_MIT_IF_LUID))) {
		nmr_misuse(caller, "module id length %u type %d, expected %zu and a known type",
			   mid->length, mid->type, sizeof(*mid));
		return false;
	}
	return true;
}

static bool nmr_chars_valid(u16 version, u16 length, size_t size,
			    bool has_attach, bool has_detach, unsigned long caller)
{
	if (version != NMR_CHARACTERISTICS_VERSION || length != size) {
		nmr_misuse(caller, "characteristics version %u length %u, expected %u and %zu",
			   version, length, NMR_CHARACTERISTICS_VERSION, size);
		return false;
	}
	if (!has_attach || !has_detach) {
		nmr_misuse(caller, "characteristics lack the %s callback",
			   has_attach ? "detach" : "attach");
		return false;
	}
	return true;
}

static void nmr_reg_init(struct nmr_reg *reg, enum nmr_role role,
			 struct module *owner, void *context,
			 const struct nmr_registration_instance *instance)
{
	reg->tag = role == NMR_CLIENT ? NMR_TAG_CLIENT : NMR_TAG_PROVIDER;
	reg->role = role;
	reg->owner = owner;
	reg->context = context;
	reg->instance = instance;
	INIT_LIST_HEAD(&reg->npi_node);
	INIT_LIST_HEAD(&reg->all_node);
	INIT_LIST_HEAD(&reg->bindings);
	INIT_LIST_HEAD(&reg->offers);
	/* The registration itself, and the register call until it returns. */
	reg->users = 2;
	init_completion(&reg->done);
}

static void nmr_free_bindings(struct list_head *spare)
{
	struct nmr_binding *b, *next;

	list_for_each_entry_safe(b, next, spare, work)
		nmr_binding_free(b);
}

/*
 * Enter @reg into the index, queue one offer per peer of its NPI, in the
 * order the peers registered, and publish the handle.  Everything this
 * needs is allocated before nmr_lock is taken for the last time, so once
 * @reg is visible to others the registration cannot fail.  A peer
 * registering later sees @reg and makes the offer itself, so each pair is
 * offered exactly once.
 *
 * The handle is published in the same critical section that makes @reg
 * visible to peers: before any offer (so every attach callback finds it),
 * and only once @reg is registered for good, so that a thread reading it
 * there may call any entry point at once (contract section 2).  The
 * release pairs with the dependency of a reader's load of the handle, for
 * the fields initialised before; state is read under nmr_lock anyway.
 */
static int nmr_reg_insert(struct nmr_reg *reg, void **handle)
{
	enum nmr_role peer_role = !reg->role;
	const guid_t *id = reg->instance->npi_id;
	struct nmr_npi *npi, *new_npi = NULL;
	unsigned int have = 0, need;
	struct nmr_reg *peer;
	unsigned long flags;
	LIST_HEAD(spare);

	for (;;) {
		spin_lock_irqsave(&nmr_lock, flags);
		npi = nmr_npi_find_locked(id);
		need = npi ? npi->count[peer_role] : 0;
		if (need <= have && (npi || new_npi))
			break;
		spin_unlock_irqrestore(&nmr_lock, flags);

		if (!npi && !new_npi) {
			new_npi = nmr_npi_alloc(id);
			if (!new_npi)
				goto nomem;
		}
		for (; have < need; have++) {
			struct nmr_binding *b = nmr_binding_alloc();

			if (!b)
				goto nomem;
			list_add(&b->work, &spare);
		}
	}

	if (!npi) {
		npi = new_npi;
		new_npi = NULL;
		hash_add(nmr_npis, &npi->node, nmr_npi_hash(id));
	}
	reg->id = ++nmr_next_id;
	list_for_each_entry(peer, &npi->regs[peer_role], npi_node) {
		struct nmr_binding *b = list_first_entry(&spare, struct nmr_binding, work);

		list_move_tail(&b->work, &reg->offers);
		if (reg->role == NMR_CLIENT)
			nmr_binding_link_locked(b, container_of(reg, struct nmr_client, reg),
						container_of(peer, struct nmr_provider, reg));
		else
			nmr_binding_link_locked(b, container_of(peer, struct nmr_client, reg),
						container_of(reg, struct nmr_provider, reg));
	}
	list_add_tail(&reg->npi_node, &npi->regs[reg->role]);
	list_add_tail(&reg->all_node, &nmr_regs);
	npi->count[reg->role]++;
	reg->npi = npi;
	reg->registering = current;
	/* Pairs with the address dependency of a reader's load of *handle. */
	smp_store_release(handle, reg);
	trace_nmr_register(reg, 0);
	pr_debug("%s %s#%u registered for NPI %pUl\n", nmr_role_name(reg->role),
		 nmr_reg_owner_name(reg), reg->id, reg->instance->npi_id);
	spin_unlock_irqrestore(&nmr_lock, flags);

	nmr_npi_free(new_npi);
	nmr_free_bindings(&spare);
	return 0;

nomem:
	nmr_npi_free(new_npi);
	nmr_free_bindings(&spare);
	return -ENOMEM;
}

/* Make the offers queued by nmr_reg_insert(), one at a time, in order. */
static void nmr_reg_offer_all(struct nmr_reg *reg)
{
	struct nmr_binding *b;
	unsigned long flags;

	for (;;) {
		spin_lock_irqsave(&nmr_lock, flags);
		b = list_first_entry_or_null(&reg->offers, struct nmr_binding, work);
		if (!b) {
			/* The register call's own user of @reg. */
			reg->registering = NULL;
			nmr_reg_put_locked(reg);
			spin_unlock_irqrestore(&nmr_lock, flags);
			return;
		}
		list_del_init(&b->work);
		b->state = NMR_BINDING_ATTACHING;
		b->attacher = current;
		spin_unlock_irqrestore(&nmr_lock, flags);

		nmr_binding_offer(b);
	}
}

/*
 * Allocate a registration of @role, enter it, publish it in *@handle and
 * make its offers.  On failure nothing was published and nothing is left.
 */
static int nmr_register(enum nmr_role role, const void *chars, void *context,
			const struct nmr_registration_instance *instance,
			void **handle, struct module *owner,
			const struct nmr_layer *layer)
{
	struct nmr_reg *reg;
	int ret;

	/* Both handle types are a struct nmr_reg and nothing else. */
	BUILD_BUG_ON(sizeof(struct nmr_provider) != sizeof(*reg) ||
		     sizeof(struct nmr_client) != sizeof(*reg));
	reg = kzalloc(sizeof(*reg), GFP_KERNEL);
	if (!reg)
		return -ENOMEM;
	atomic_inc(&nmr_alive.regs);
	nmr_reg_init(reg, role, owner, context, instance);
	if (role == NMR_CLIENT)
		reg->cchars = chars;
	else
		reg->pchars = chars;
	reg->layer = layer;

	ret = nmr_reg_insert(reg, handle);
	if (ret) {
		WRITE_ONCE(*handle, NULL);
		atomic_dec(&nmr_alive.regs);
		kfree(reg);
		return ret;
	}
	nmr_reg_offer_all(reg);
	return 0;
}

static int nmr_reg_provider(const struct nmr_provider_characteristics *chars,
			    void *provider_context, struct nmr_provider **handle,
			    struct module *owner, const struct nmr_layer *layer,
			    unsigned long caller)
{
	if (!chars || !handle) {
		nmr_misuse(caller, "NULL characteristics or handle");
		return -EINVAL;
	}
	if (!nmr_chars_valid(chars->version, chars->length, sizeof(*chars),
			     chars->provider_attach_client,
			     chars->provider_detach_client || (layer && layer->detach), caller) ||
	    !nmr_instance_valid(&chars->provider_registration_instance, caller))
		return -EINVAL;
	return nmr_register(NMR_PROVIDER, chars, provider_context,
			    &chars->provider_registration_instance, (void **)handle,
			    owner, layer);
}

static int nmr_reg_client(const struct nmr_client_characteristics *chars,
			  void *client_context, struct nmr_client **handle,
			  struct module *owner, const struct nmr_layer *layer,
			  unsigned long caller)
{
	if (!chars || !handle) {
		nmr_misuse(caller, "NULL characteristics or handle");
		return -EINVAL;
	}
	if (!nmr_chars_valid(chars->version, chars->length, sizeof(*chars),
			     chars->client_attach_provider,
			     chars->client_detach_provider || (layer && layer->detach), caller) ||
	    !nmr_instance_valid(&chars->client_registration_instance, caller))
		return -EINVAL;
	return nmr_register(NMR_CLIENT, chars, client_context,
			    &chars->client_registration_instance, (void **)handle,
			    owner, layer);
}

/**
 * __nmr_register_provider() - register a provider of an NPI
 * @chars: the provider's characteristics; must stay valid, with all they
 *	point to, until the deregistration is complete.
 * @provider_context: passed to @chars->provider_attach_client.
 * @handle: receives the registration handle once the provider is
 *	registered, before the first offer is made, so the attach callbacks
 *	find it there.  From the moment it is there, any thread may use it:
 *	a deregistration while this call still makes offers is a late comer.
 * @owner: the registering module; nmr_register_provider() passes
 *	THIS_MODULE.
 *
 * Every client of the same NPI already registered is offered this
 * provider, one at a time, in the order the clients registered; when this
 * returns, those attach callbacks have run.  Clients that register later
 * are offered it in their own register call.
 *
 * Context: process context, no NMR lock held; may sleep.
 * Return: 0 on success; -ENOMEM when out of memory, with nothing
 * registered and *@handle set to NULL; -EINVAL on invalid characteristics
 * or a NULL argument.
 */
int __nmr_register_provider(const struct nmr_provider_characteristics *chars,
			    void *provider_context,
			    struct nmr_provider **handle, struct module *owner)
{
	return nmr_reg_provider(chars, provider_context, handle, owner, NULL, _RET_IP_);
}
EXPORT_SYMBOL_NMR(__nmr_register_provider);

/**
 * __nmr_register_client() - register a client of an NPI
 * @chars: the client's characteristics; must stay valid, with all they
 *	point to, until the deregistration is complete.
 * @client_context: passed to @chars->client_attach_provider.
 * @handle: receives the registration handle once the client is
 *	registered, before the first offer is made, so the attach callbacks
 *	find it there.  From the moment it is there, any thread may use it:
 *	a deregistration while this call still makes offers is a late comer.
 * @owner: the registering module; nmr_register_client() passes
 *	THIS_MODULE.
 *
 * This client is offered every provider of the same NPI already
 * registered, one at a time, in the order the providers registered; when
 * this returns, those attach callbacks have run.  Providers that register
 * later are offered to it in their own register call.
 *
 * Context: process context, no NMR lock held; may sleep.
 * Return: 0 on success; -ENOMEM when out of memory, with nothing
 * registered and *@handle set to NULL; -EINVAL on invalid characteristics
 * or a NULL argument.
 */
int __nmr_register_client(const struct nmr_client_characteristics *chars,
			  void *client_context,
			  struct nmr_client **handle, struct module *owner)
{
	return nmr_reg_client(chars, client_context, handle, owner, NULL, _RET_IP_);
}
EXPORT_SYMBOL_NMR(__nmr_register_client);

/**
 * nmr_layer_register_provider() - register a provider for a layer (netioddk.c)
 * @chars: as for __nmr_register_provider(); the detach callback may be
 *	NULL: @layer's is called.
 * @provider_context: as for __nmr_register_provider().
 * @handle: as for __nmr_register_provider().
 * @owner: as for __nmr_register_provider().
 * @layer: the layer, whose handles this registration's are.
 * @caller: the layer's caller, for misuse reports.
 *
 * Context: process context, no NMR lock held; may sleep.
 * Return: as __nmr_register_provider().
 */
int nmr_layer_register_provider(const struct nmr_provider_characteristics *chars,
				void *provider_context, struct nmr_provider **handle,
				struct module *owner, const struct nmr_layer *layer,
				unsigned long caller)
{
	return nmr_reg_provider(chars, provider_context, handle, owner, layer, caller);
}

/**
 * nmr_layer_register_client() - register a client for a layer (netioddk.c)
 * @chars: as for __nmr_register_client(); the detach callback may be NULL
 *	NULL: @layer's is called.
 * @client_context: as for __nmr_register_client().
 * @handle: as for __nmr_register_client().
 * @owner: as for __nmr_register_client().
 * @layer: the layer, whose handles this registration's are.
 * @caller: the layer's caller, for misuse reports.
 *
 * Context: process context, no NMR lock held; may sleep.
 * Return: as __nmr_register_client().
 */
int nmr_layer_register_client(const struct nmr_client_characteristics *chars,
			      void *client_context, struct nmr_client **handle,
			      struct module *owner, const struct nmr_layer *layer,
			      unsigned long caller)
{
	return nmr_reg_client(chars, client_context, handle, owner, layer, caller);
}

/*
 * Take nmr_lock and check @handle: the registration, or NULL after a
 * misuse report; nmr_lock is held, and *@flags set, either way.  @layer is
 * the API the handle must come from (NULL: the native one).
 *
 * Registrations are freed after a grace period, and the wait that frees
 * one marks it freed under nmr_lock first.  So the tag read here inside an
 * RCU read-side section, then read again under the lock, catches a handle
 * whose wait returned meanwhile on another thread (a second wait, or a
 * deregistration racing the wait): the memory is still there for the
 * first read, and the second sees the mark.
 */
static struct nmr_reg *nmr_reg_lock(void *handle, enum nmr_role role,
				    const struct nmr_layer *layer, unsigned long caller,
				    unsigned long *flags)
	__acquires(&nmr_lock)
{
	u32 want = role == NMR_CLIENT ? NMR_TAG_CLIENT : NMR_TAG_PROVIDER;
	struct nmr_reg *reg = handle;
	u32 tag = 0;

	rcu_read_lock();
	if (reg)
		tag = READ_ONCE(reg->tag);
	spin_lock_irqsave(&nmr_lock, *flags);
	if (tag == want)
		tag = reg->tag;
	rcu_read_unlock();
	if (!reg) {
		nmr_misuse(caller, "NULL %s handle", nmr_role_name(role));
		return NULL;
	}
	if (tag != want) {
		nmr_misuse(caller, "%p is not a %s handle (tag %#x)", reg,
			   nmr_role_name(role), tag);
		return NULL;
	}
	if (reg->layer != layer) {
		nmr_misuse(caller, "%s %s#%u is a %s registration, not a %s one",
			   nmr_role_name(role), nmr_reg_owner_name(reg), reg->id,
			   reg->layer ? reg->layer->name : "native",
			   layer ? layer->name : "native");
		return NULL;
	}
	return reg;
}

static int nmr_deregister(void *handle, enum nmr_role role,
			  const struct nmr_layer *layer, unsigned long caller)
{
	struct nmr_binding *b, *next;
	struct nmr_npi *npi = NULL;
	unsigned long flags;
	struct nmr_reg *reg;
	LIST_HEAD(batch);

	reg = nmr_reg_lock(handle, role, layer, caller, &flags);
	if (!reg) {
		spin_unlock_irqrestore(&nmr_lock, flags);
		return -EINVAL;
	}
	if (reg->state != NMR_REG_REGISTERED) {
		nmr_misuse(caller, "%s %s#%u deregistered twice", nmr_role_name(role),
			   nmr_reg_owner_name(reg), reg->id);
		spin_unlock_irqrestore(&nmr_lock, flags);
		return -EINVAL;
	}
	reg->state = NMR_REG_DEREGISTERING;

	npi = reg->npi;
	reg->npi = NULL;
	list_del_init(&reg->npi_node);
	if (!--npi->count[role] && !npi->count[!role])
		hash_del(&npi->node);
	else
		npi = NULL;

	if (reg->unload_refused) {
		reg->unload_refused = false;
		module_put(reg->owner);
	}
	trace_nmr_deregister(reg, -EINPROGRESS);
	pr_debug("%s %s#%u deregistering\n", nmr_role_name(role),
		 nmr_reg_owner_name(reg), reg->id);
	list_for_each_entry_safe(b, next, &reg->bindings, node[role])
		nmr_binding_stop_locked(b, &batch);
	/* After this, a wait on another thread may free @reg. */
	nmr_reg_put_locked(reg);
	spin_unlock_irqrestore(&nmr_lock, flags);

	nmr_npi_free(npi);
	nmr_binding_detach_batch(&batch);
	return -EINPROGRESS;
}

/**
 * nmr_deregister_provider() - start deregistering a provider
 * @handle: the provider's registration handle.
 *
 * Stops offering the provider to clients and starts the detach of each of
 * its bindings: client_detach_provider() then provider_detach_client(),
 * exactly once per binding even when the client deregisters too.  An
 * attach still in progress is detached as soon as it attaches.  Detach
 * and cleanup callbacks may run on this thread before it returns.  A
 * refused unload is released.  The caller then waits with
 * nmr_wait_for_provider_deregister_complete().
 *
 * Context: any context, including atomic; does not sleep.
 * Return: -EINPROGRESS, always, on success; -EINVAL for a handle that is
 * not a registered provider (NULL, wrong type, deregistered already).
 */
int nmr_deregister_provider(struct nmr_provider *handle)
{
	return nmr_deregister(handle, NMR_PROVIDER, NULL, _RET_IP_);
}
EXPORT_SYMBOL_NMR(nmr_deregister_provider);

/**
 * nmr_deregister_client() - start deregistering a client
 * @handle: the client's registration handle.
 *
 * Stops offering providers to the client and starts the detach of each of
 * its bindings: client_detach_provider() then provider_detach_client(),
 * exactly once per binding even when the provider deregisters too.  An
 * attach still in progress is detached as soon as it attaches.  Detach
 * and cleanup callbacks may run on this thread before it returns.  A
 * refused unload is released.  The caller then waits with
 * nmr_wait_for_client_deregister_complete().
 *
 * Context: any context, including atomic; does not sleep.
 * Return: -EINPROGRESS, always, on success; -EINVAL for a handle that is
 * not a registered client (NULL, wrong type, deregistered already).
 */
int nmr_deregister_client(struct nmr_client *handle)
{
	return nmr_deregister(handle, NMR_CLIENT, NULL, _RET_IP_);
}
EXPORT_SYMBOL_NMR(nmr_deregister_client);

/*
 * Printed with nmr_lock held and interrupts off, so the report names a few
 * bindings and counts the rest rather than flooding a slow console.
 */
#define NMR_REPORT_MAX 8

static void nmr_reg_report(struct nmr_reg *reg)
{
	struct nmr_binding *b;
	unsigned int n = 0;
	unsigned long flags;

	spin_lock_irqsave(&nmr_lock, flags);
	list_for_each_entry(b, &reg->bindings, node[reg->role])
		if (n++ < NMR_REPORT_MAX)
			nmr_binding_report_locked(b, reg);
	if (n > NMR_REPORT_MAX)
		pr_warn("%s %s#%u waits for %u more bindings\n", nmr_role_name(reg->role),
			nmr_reg_owner_name(reg), reg->id, n - NMR_REPORT_MAX);
	spin_unlock_irqrestore(&nmr_lock, flags);
}

/*
 * Sleep until @reg's deregistration is complete, logging what it waits for
 * every wait_warn_secs.  False when @timeout jiffies passed first.
 */
static bool nmr_reg_sleep(struct nmr_reg *reg, unsigned long timeout)
{
	unsigned long step;

	for (;;) {
		step = READ_ONCE(nmr_wait_warn_secs) * HZ ?: MAX_SCHEDULE_TIMEOUT;
		if (timeout != MAX_SCHEDULE_TIMEOUT)
			step = min(step, timeout);
		if (wait_for_completion_timeout(&reg->done, step))
			return true;
		if (timeout != MAX_SCHEDULE_TIMEOUT) {
			timeout -= step;
			if (!timeout)
				return false;
		}
		nmr_reg_report(reg);
	}
}

/*
 * A wait on this task could never return: @reg's register call is making
 * its offers on it, or it is inside the attach callback of a binding of
 * @reg, which holds a user of @reg until the callback returns.
 */
static bool nmr_reg_waits_on_itself_locked(const struct nmr_reg *reg)
{
	const struct nmr_binding *b;

	lockdep_assert_held(&nmr_lock);
	if (reg->registering == current)
		return true;
	list_for_each_entry(b, &reg->bindings, node[reg->role])
		if (b->state == NMR_BINDING_ATTACHING && b->attacher == current)
			return true;
	return false;
}

static int nmr_wait(void *handle, enum nmr_role role, unsigned long timeout,
		    const struct nmr_layer *layer, unsigned long caller)
{
	unsigned long flags;
	struct nmr_reg *reg;

	reg = nmr_reg_lock(handle, role, layer, caller, &flags);
	if (!reg) {
		spin_unlock_irqrestore(&nmr_lock, flags);
		return -EINVAL;
	}
	if (reg->state != NMR_REG_DEREGISTERING || reg->waited) {
		nmr_misuse(caller, "wait for %s %s#%u %s", nmr_role_name(role),
			   nmr_reg_owner_name(reg), reg->id,
			   reg->waited ? "while another wait for it runs" :
					 "before deregistering it");
		spin_unlock_irqrestore(&nmr_lock, flags);
		return -EINVAL;
	}
	if (nmr_reg_waits_on_itself_locked(reg)) {
		nmr_misuse(caller, "wait for %s %s#%u inside its own attach: it could never return",
			   nmr_role_name(role), nmr_reg_owner_name(reg), reg->id);
		spin_unlock_irqrestore(&nmr_lock, flags);
		return -EINVAL;
	}
	reg->waited = true;
	spin_unlock_irqrestore(&nmr_lock, flags);

	might_sleep();
	if (!nmr_reg_sleep(reg, timeout)) {
		/*
		 * The handle stays valid: the caller may wait again.  Logged
		 * before @waited is cleared: from then on another wait may
		 * return and free @reg.
		 */
		spin_lock_irqsave(&nmr_lock, flags);
		trace_nmr_wait_done(reg, -ETIMEDOUT);
		pr_debug("%s %s#%u: wait timed out\n", nmr_role_name(role),
			 nmr_reg_owner_name(reg), reg->id);
		reg->waited = false;
		spin_unlock_irqrestore(&nmr_lock, flags);
		return -ETIMEDOUT;
	}

	trace_nmr_wait_done(reg, 0);
	pr_debug("%s %s#%u deregistration complete\n", nmr_role_name(role),
		 nmr_reg_owner_name(reg), reg->id);
	/* Marked under the lock, freed after a grace period: see nmr_reg_lock(). */
	spin_lock_irqsave(&nmr_lock, flags);
	list_del(&reg->all_node);
	WRITE_ONCE(reg->tag, NMR_TAG_FREED);
	spin_unlock_irqrestore(&nmr_lock, flags);
	if (reg->layer)
		reg->layer->release(reg->context);
	kfree_rcu(reg, rcu);
	atomic_dec(&nmr_alive.regs);
	return 0;
}

/**
 * nmr_wait_for_provider_deregister_complete() - wait for a provider's deregistration
 * @handle: a provider handle given to nmr_deregister_provider().
 *
 * Sleeps until every binding of the provider has been detached and cleaned
 * up, then frees the handle.  Once it returns, NMR never calls the
 * provider's callbacks again and holds no pointer to its characteristics
 * or contexts, so the module may return from module_exit().  While it
 * waits, it logs every wait_warn_secs seconds which bindings are pending.
 *
 * Context: process context; sleeps.
 * Return: 0 when the deregistration is complete and @handle freed;
 * -EINVAL for a handle that is not a deregistered provider, or a second
 * wait.
 */
int nmr_wait_for_provider_deregister_complete(struct nmr_provider *handle)
{
	return nmr_wait(handle, NMR_PROVIDER, MAX_SCHEDULE_TIMEOUT, NULL, _RET_IP_);
}
EXPORT_SYMBOL_NMR(nmr_wait_for_provider_deregister_complete);

/**
 * nmr_wait_for_client_deregister_complete() - wait for a client's deregistration
 * @handle: a client handle given to nmr_deregister_client().
 *
 * Sleeps until every binding of the client has been detached and cleaned
 * up, then frees the handle.  Once it returns, NMR never calls the
 * client's callbacks again and holds no pointer to its characteristics or
 * contexts, so the module may return from module_exit().  While it waits,
 * it logs every wait_warn_secs seconds which bindings are pending.
 *
 * Context: process context; sleeps.
 * Return: 0 when the deregistration is complete and @handle freed;
 * -EINVAL for a handle that is not a deregistered client, or a second
 * wait.
 */
int nmr_wait_for_client_deregister_complete(struct nmr_client *handle)
{
	return nmr_wait(handle, NMR_CLIENT, MAX_SCHEDULE_TIMEOUT, NULL, _RET_IP_);
}
EXPORT_SYMBOL_NMR(nmr_wait_for_client_deregister_complete);

/**
 * nmr_wait_for_provider_deregister_complete_timeout() - wait, for a while
 * @handle: a provider handle given to nmr_deregister_provider().
 * @timeout: how long to wait, in jiffies.
 *
 * Like nmr_wait_for_provider_deregister_complete(), but gives up after
 * @timeout.  The handle then stays valid, and the caller may wait again
 * (with or without a timeout); NMR's logs say what is pending.
 *
 * Context: process context; sleeps.
 * Return: 0 when the deregistration is complete and @handle freed;
 * -ETIMEDOUT when @timeout passed first; -EINVAL for a handle that is not
 * a deregistered provider, or while another wait for it runs.
 */
int nmr_wait_for_provider_deregister_complete_timeout(struct nmr_provider *handle,
						      unsigned long timeout)
{
	return nmr_wait(handle, NMR_PROVIDER, timeout, NULL, _RET_IP_);
}
EXPORT_SYMBOL_NMR(nmr_wait_for_provider_deregister_complete_timeout);

/**
 * nmr_wait_for_client_deregister_complete_timeout() - wait, for a while
 * @handle: a client handle given to nmr_deregister_client().
 * @timeout: how long to wait, in jiffies.
 *
 * Like nmr_wait_for_client_deregister_complete(), but gives up after
 * @timeout.  The handle then stays valid, and the caller may wait again
 * (with or without a timeout); NMR's logs say what is pending.
 *
 * Context: process context; sleeps.
 * Return: 0 when the deregistration is complete and @handle freed;
 * -ETIMEDOUT when @timeout passed first; -EINVAL for a handle that is not
 * a deregistered client, or while another wait for it runs.
 */
int nmr_wait_for_client_deregister_complete_timeout(struct nmr_client *handle,
						    unsigned long timeout)
{
	return nmr_wait(handle, NMR_CLIENT, timeout, NULL, _RET_IP_);
}
EXPORT_SYMBOL_NMR(nmr_wait_for_client_deregister_complete_timeout);

/**
 * nmr_unregister_provider() - deregister a provider and wait for it
 * @handle: the provider's registration handle.
 *
 * nmr_deregister_provider() followed by
 * nmr_wait_for_provider_deregister_complete(): the usual module_exit()
 * step.  Misuse is reported and ignored.
 *
 * Context: process context; sleeps.
 */
void nmr_unregister_provider(struct nmr_provider *handle)
{
	if (nmr_deregister(handle, NMR_PROVIDER, NULL, _RET_IP_) == -EINPROGRESS)
		nmr_wait(handle, NMR_PROVIDER, MAX_SCHEDULE_TIMEOUT, NULL, _RET_IP_);
}
EXPORT_SYMBOL_NMR(nmr_unregister_provider);

/**
 * nmr_unregister_client() - deregister a client and wait for it
 * @handle: the client's registration handle.
 *
 * nmr_deregister_client() followed by
 * nmr_wait_for_client_deregister_complete(): the usual module_exit() step.
 * Misuse is reported and ignored.
 *
 * Context: process context; sleeps.
 */
void nmr_unregister_client(struct nmr_client *handle)
{
	if (nmr_deregister(handle, NMR_CLIENT, NULL, _RET_IP_) == -EINPROGRESS)
		nmr_wait(handle, NMR_CLIENT, MAX_SCHEDULE_TIMEOUT, NULL, _RET_IP_);
}
EXPORT_SYMBOL_NMR(nmr_unregister_client);

/**
 * nmr_layer_deregister() - nmr_deregister_*() for a layer's handle
 * @handle: a registration handle of @layer.
 * @role: its role.
 * @layer: the layer; a native handle, or another layer's, is misuse.
 * @caller: the layer's caller, for misuse reports.
 *
 * Context: any context; does not sleep.
 * Return: as nmr_deregister_provider().
 */
int nmr_layer_deregister(void *handle, enum nmr_role role, const struct nmr_layer *layer,
			 unsigned long caller)
{
	return nmr_deregister(handle, role, layer, caller);
}

/**
 * nmr_layer_wait() - nmr_wait_for_*_deregister_complete() for a layer's handle
 * @handle: a registration handle of @layer, deregistered.
 * @role: its role.
 * @layer: the layer; a native handle, or another layer's, is misuse.
 * @caller: the layer's caller, for misuse reports.
 *
 * On success @layer's release callback has been called with the
 * registration's context.
 *
 * Context: process context; sleeps.
 * Return: as nmr_wait_for_provider_deregister_complete().
 */
int nmr_layer_wait(void *handle, enum nmr_role role, const struct nmr_layer *layer,
		   unsigned long caller)
{
	return nmr_wait(handle, role, MAX_SCHEDULE_TIMEOUT, layer, caller);
}

static int nmr_refuse_unload(void *handle, enum nmr_role role, unsigned long caller)
{
	unsigned long flags;
	struct nmr_reg *reg;
	int ret = 0;

	reg = nmr_reg_lock(handle, role, NULL, caller, &flags);
	if (!reg) {
		spin_unlock_irqrestore(&nmr_lock, flags);
		return -EINVAL;
	}
	if (reg->state != NMR_REG_REGISTERED) {
		nmr_misuse(caller, "refuse unload of deregistered %s %s#%u",
			   nmr_role_name(role), nmr_reg_owner_name(reg), reg->id);
		ret = -EINVAL;
	} else if (!reg->unload_refused && !try_module_get(reg->owner)) {
		ret = -EBUSY;	/* the owner's module_exit() is running */
	} else {
		reg->unload_refused = true;
		pr_debug("%s %s#%u refuses unload of %s\n", nmr_role_name(role),
			 nmr_reg_owner_name(reg), reg->id, nmr_reg_owner_name(reg));
	}
	spin_unlock_irqrestore(&nmr_lock, flags);
	return ret;
}

static int nmr_request_unload(void *handle, enum nmr_role role, unsigned long caller)
{
	unsigned long flags;
	struct nmr_reg *reg;
	bool refused;

	reg = nmr_reg_lock(handle, role, NULL, caller, &flags);
	if (!reg) {
		spin_unlock_irqrestore(&nmr_lock, flags);
		return -EINVAL;
	}
	refused = reg->unload_refused;
	if (refused) {
		reg->unload_refused = false;
		module_put(reg->owner);
		pr_debug("%s %s#%u requests unload of %s\n", nmr_role_name(role),
			 nmr_reg_owner_name(reg), reg->id, nmr_reg_owner_name(reg));
	} else {
		nmr_misuse(caller, "request unload of %s %s#%u, which does not refuse it",
			   nmr_role_name(role), nmr_reg_owner_name(reg), reg->id);
	}
	spin_unlock_irqrestore(&nmr_lock, flags);
	return refused ? 0 : -EINVAL;
}

/**
 * nmr_provider_refuse_unload() - keep the provider's module from unloading
 * @handle: the provider's registration handle.
 *
 * Pins the owner module, so that rmmod fails at once instead of running
 * module_exit() and waiting.  A flag per registration: refusing again is a
 * no-op.  Undone by nmr_provider_request_unload() or by deregistration.
 *
 * Context: any context; does not sleep.
 * Return: 0 on success; -EBUSY when the module is already unloading;
 * -EINVAL for a handle that is not a registered provider.
 */
int nmr_provider_refuse_unload(struct nmr_provider *handle)
{
	return nmr_refuse_unload(handle, NMR_PROVIDER, _RET_IP_);
}
EXPORT_SYMBOL_NMR(nmr_provider_refuse_unload);

/**
 * nmr_provider_request_unload() - let the provider's module unload again
 * @handle: the provider handle given to nmr_provider_refuse_unload().
 *
 * Context: any context; does not sleep.
 * Return: 0 on success; -EINVAL when the registration does not refuse
 * unload, or for an invalid handle.
 */
int nmr_provider_request_unload(struct nmr_provider *handle)
{
	return nmr_request_unload(handle, NMR_PROVIDER, _RET_IP_);
}
EXPORT_SYMBOL_NMR(nmr_provider_request_unload);

/**
 * nmr_client_refuse_unload() - keep the client's module from unloading
 * @handle: the client's registration handle.
 *
 * Pins the owner module, so that rmmod fails at once instead of running
 * module_exit() and waiting.  A flag per registration: refusing again is a
 * no-op.  Undone by nmr_client_request_unload() or by deregistration.
 *
 * Context: any context; does not sleep.
 * Return: 0 on success; -EBUSY when the module is already unloading;
 * -EINVAL for a handle that is not a registered client.
 */
int nmr_client_refuse_unload(struct nmr_client *handle)
{
	return nmr_refuse_unload(handle, NMR_CLIENT, _RET_IP_);
}
EXPORT_SYMBOL_NMR(nmr_client_refuse_unload);

/**
 * nmr_client_request_unload() - let the client's module unload again
 * @handle: the client handle given to nmr_client_refuse_unload().
 *
 * Context: any context; does not sleep.
 * Return: 0 on success; -EINVAL when the registration does not refuse
 * unload, or for an invalid handle.
 */
int nmr_client_request_unload(struct nmr_client *handle)
{
	return nmr_request_unload(handle, NMR_CLIENT, _RET_IP_);
}
EXPORT_SYMBOL_NMR(nmr_client_request_unload);

#if IS_ENABLED(CONFIG_KUNIT)
/* Declared in <nmr/nmr_kunit.h>. */
void nmr_kunit_count_alive(struct nmr_kunit_alive *alive)
{
	nmr_rundown_flush();
	rcu_barrier();	/* bindings are freed after a grace period */
	alive->npis = atomic_read(&nmr_alive.npis);
	alive->regs = atomic_read(&nmr_alive.regs);
	alive->bindings = atomic_read(&nmr_alive.bindings);
	alive->calls_blocks = atomic_read(&nmr_alive.calls_blocks);
}
EXPORT_SYMBOL_IF_KUNIT(nmr_kunit_count_alive);

/* Declared in <nmr/nmr_kunit.h>. */
unsigned long nmr_kunit_misuses(void)
{
	return atomic_long_read(&nmr_misuses);
}
EXPORT_SYMBOL_IF_KUNIT(nmr_kunit_misuses);
#endif

static int __init nmr_init(void)
{
	nmr_debugfs_init();
	pr_info("Network Module Registrar loaded\n");
	return 0;
}
module_init(nmr_init);

static void __exit nmr_exit(void)
{
	nmr_debugfs_exit();
	nmr_rundown_exit();
	pr_info("Network Module Registrar unloaded\n");
}
module_exit(nmr_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Network Module Registrar: binds providers and clients of network programming interfaces");
