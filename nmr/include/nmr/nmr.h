/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nmr - the Network Module Registrar for Linux: the API.
 */

/**
 * DOC: Overview
 *
 * Network modules that provide an interface (providers) and modules that use
 * it (clients) register with NMR.  NMR binds every client to every provider
 * of the same network programming interface (NPI), identified by a GUID, and
 * lets each side hand the other its dispatch table.  When either side
 * deregisters, NMR detaches each of its bindings exactly once; a side may
 * keep its detach pending until its calls into the peer have drained, and
 * the deregistering module sleeps in nmr_wait_for_provider_deregister_complete()
 * or nmr_wait_for_client_deregister_complete() until the last binding has
 * been cleaned up.  After the wait returns, NMR never calls into that
 * registration again, so the module may return from module_exit().
 *
 * The behaviour is the one of the Windows NMR (netioddk.h) as fixed by the
 * project's contract: status codes map STATUS_SUCCESS to 0, STATUS_PENDING
 * to -EINPROGRESS, STATUS_NOINTERFACE to -ENODEV, STATUS_INSUFFICIENT_RESOURCES
 * to -ENOMEM and STATUS_INVALID_PARAMETER to -EINVAL.
 *
 * Every exported symbol is in the NMR symbol namespace; a user module says
 * NMR_IMPORT_NS() once.
 */

/**
 * DOC: Rundown protection
 *
 * Beyond Windows, NMR counts a side's calls into its peer so the module does
 * not have to: a client brackets each call into the provider with
 * nmr_client_enter() and nmr_client_exit(), a provider each call into the
 * client with nmr_provider_enter() and nmr_provider_exit().  enter returns
 * false once the binding's detach has begun, and a side's detach is complete
 * only when its detach callback has returned 0 (or it called its complete
 * function) and every section it entered has exited.  A module that uses
 * them returns 0 from its detach callback and never calls a complete
 * function.  They are inline, as percpu_ref_tryget_live() and
 * percpu_ref_put() are: the fast path writes only this CPU's counter, and
 * calls into nmr.ko only on a binding's first enter, after its detach
 * began, or on a misuse.
 */
#ifndef _NMR_NMR_H
#define _NMR_NMR_H

#include <linux/compiler.h>
#include <linux/instruction_pointer.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/types.h>
#include <linux/uuid.h>
#include <asm/barrier.h>
#include <nmr/compat.h>

/*
 * struct nmr_provider - opaque handle of a provider registration
 *
 * Returned by nmr_register_provider(); valid until
 * nmr_wait_for_provider_deregister_complete() returns.
 */
struct nmr_provider;

/*
 * struct nmr_client - opaque handle of a client registration
 *
 * Returned by nmr_register_client(); valid until
 * nmr_wait_for_client_deregister_complete() returns.
 */
struct nmr_client;

/*
 * struct nmr_binding - opaque handle of one (client, provider) binding
 *
 * Passed to the attach callbacks; valid until the binding's cleanup
 * callbacks have run.
 */
struct nmr_binding;

/**
 * enum nmr_module_id_type - how &struct nmr_module_id names a module
 * @NMR_MIT_GUID: by a GUID, in @guid.
 * @NMR_MIT_IF_LUID: by a network interface LUID, in @if_luid.
 */
enum nmr_module_id_type {
	NMR_MIT_GUID = 1,
	NMR_MIT_IF_LUID = 2,
};

/**
 * struct nmr_module_id - identity of a network module
 * @length: sizeof(struct nmr_module_id).
 * @type: which member of the union is used.
 * @guid: the module's GUID, for %NMR_MIT_GUID.
 * @if_luid: the interface LUID, for %NMR_MIT_IF_LUID.
 *
 * NMR does not interpret it; it is for the peers to identify each other.
 */
struct nmr_module_id {
	u16 length;
	enum nmr_module_id_type type;
	union {
		guid_t guid;
		u64 if_luid;
	};
};

#define NMR_REGISTRATION_INSTANCE_VERSION	0
#define NMR_CHARACTERISTICS_VERSION		0

/**
 * struct nmr_registration_instance - what a registration tells its peers
 * @version: %NMR_REGISTRATION_INSTANCE_VERSION.
 * @size: sizeof(struct nmr_registration_instance).
 * @npi_id: the NPI this registration provides or uses; required.  NMR
 *	matches registrations by the GUID's value, not by the pointer.
 * @module_id: optional identity of the registering module.
 * @number: a number the NPI defines (for example an instance number).
 * @npi_specific_characteristics: optional, defined by the NPI (for example
 *	a version the peer checks before it attaches).
 */
struct nmr_registration_instance {
	u16 version;
	u16 size;
	const guid_t *npi_id;
	const struct nmr_module_id *module_id;
	u32 number;
	const void *npi_specific_characteristics;
};

/**
 * struct nmr_client_characteristics - a client registration
 * @version: %NMR_CHARACTERISTICS_VERSION.
 * @length: sizeof(struct nmr_client_characteristics).
 * @client_attach_provider: offered a provider of the same NPI, in process
 *	context.  Returns -ENODEV to decline, or calls
 *	nmr_client_attach_provider() and returns what it returned.  Required.
 * @client_detach_provider: the binding is being detached.  Returns 0 when no
 *	call into the provider is in flight, or -EINPROGRESS and later calls
 *	nmr_client_detach_provider_complete().  Calls bracketed by
 *	nmr_client_enter() and nmr_client_exit() need neither: NMR waits for
 *	them after a 0.  May run in atomic context.  Required.
 * @client_cleanup_binding_context: both sides have detached; free the
 *	binding context.  May run in atomic context, including hard IRQ when
 *	the last nmr_*_exit() or complete ran there.  Optional.
 * @client_registration_instance: the client's registration instance.
 *
 * Must stay valid, with everything it points to, until the deregistration
 * is complete.
 */
struct nmr_client_characteristics {
	u16 version;
	u16 length;
	int (*client_attach_provider)(struct nmr_binding *binding,
				      void *client_context,
				      const struct nmr_registration_instance *provider);
	int (*client_detach_provider)(void *client_binding_context);
	void (*client_cleanup_binding_context)(void *client_binding_context);
	struct nmr_registration_instance client_registration_instance;
};

/**
 * struct nmr_provider_characteristics - a provider registration
 * @version: %NMR_CHARACTERISTICS_VERSION.
 * @length: sizeof(struct nmr_provider_characteristics).
 * @provider_attach_client: a client asks to attach, from inside its
 *	@client_attach_provider callback, in process context.  On 0 the
 *	provider has set *@provider_binding_context and *@provider_dispatch.
 *	Any error declines (-ENODEV by convention).  Required.
 * @provider_detach_client: the binding is being detached.  Returns 0 when
 *	no call into the client is in flight, or -EINPROGRESS and later calls
 *	nmr_provider_detach_client_complete().  Calls bracketed by
 *	nmr_provider_enter() and nmr_provider_exit() need neither: NMR waits
 *	for them after a 0.  May run in atomic context.  Required.
 * @provider_cleanup_binding_context: both sides have detached; free the
 *	binding context.  May run in atomic context, including hard IRQ when
 *	the last nmr_*_exit() or complete ran there.  Optional.
 * @provider_registration_instance: the provider's registration instance.
 *
 * Must stay valid, with everything it points to, until the deregistration
 * is complete.
 */
struct nmr_provider_characteristics {
	u16 version;
	u16 length;
	int (*provider_attach_client)(struct nmr_binding *binding,
				      void *provider_context,
				      const struct nmr_registration_instance *client,
				      void *client_binding_context,
				      const void *client_dispatch,
				      void **provider_binding_context,
				      const void **provider_dispatch);
	int (*provider_detach_client)(void *provider_binding_context);
	void (*provider_cleanup_binding_context)(void *provider_binding_context);
	struct nmr_registration_instance provider_registration_instance;
};

int __nmr_register_provider(const struct nmr_provider_characteristics *chars,
			    void *provider_context,
			    struct nmr_provider **handle, struct module *owner);
int __nmr_register_client(const struct nmr_client_characteristics *chars,
			  void *client_context,
			  struct nmr_client **handle, struct module *owner);

/**
 * nmr_register_provider() - register a provider of an NPI
 * @chars: the provider's characteristics; NMR keeps the pointer.
 * @provider_context: passed to @chars->provider_attach_client.
 * @handle: receives the registration handle, before the first offer is
 *	made, so attach callbacks may already find it there.
 *
 * The calling module (THIS_MODULE) is recorded as the owner.  Clients of
 * the same NPI that are already registered are offered this provider, in
 * the order they registered, before the call returns.  See
 * __nmr_register_provider().
 */
#define nmr_register_provider(chars, provider_context, handle) \
	__nmr_register_provider(chars, provider_context, handle, THIS_MODULE)

/**
 * nmr_register_client() - register a client of an NPI
 * @chars: the client's characteristics; NMR keeps the pointer.
 * @client_context: passed to @chars->client_attach_provider.
 * @handle: receives the registration handle, before the first offer is
 *	made, so attach callbacks may already find it there.
 *
 * The calling module (THIS_MODULE) is recorded as the owner.  This client
 * is offered every provider of the same NPI that is already registered, in
 * the order they registered, before the call returns.  See
 * __nmr_register_client().
 */
#define nmr_register_client(chars, client_context, handle) \
	__nmr_register_client(chars, client_context, handle, THIS_MODULE)

int nmr_deregister_provider(struct nmr_provider *handle);
int nmr_wait_for_provider_deregister_complete(struct nmr_provider *handle);
int nmr_wait_for_provider_deregister_complete_timeout(struct nmr_provider *handle,
						      unsigned long timeout);
void nmr_provider_detach_client_complete(struct nmr_binding *binding);

int nmr_deregister_client(struct nmr_client *handle);
int nmr_wait_for_client_deregister_complete(struct nmr_client *handle);
int nmr_wait_for_client_deregister_complete_timeout(struct nmr_client *handle,
						    unsigned long timeout);
void nmr_client_detach_provider_complete(struct nmr_binding *binding);

int nmr_client_attach_provider(struct nmr_binding *binding,
			       void *client_binding_context,
			       const void *client_dispatch,
			       void **provider_binding_context,
			       const void **provider_dispatch);

void nmr_unregister_provider(struct nmr_provider *handle);
void nmr_unregister_client(struct nmr_client *handle);

int nmr_provider_refuse_unload(struct nmr_provider *handle);
int nmr_provider_request_unload(struct nmr_provider *handle);
int nmr_client_refuse_unload(struct nmr_client *handle);
int nmr_client_request_unload(struct nmr_client *handle);

/**
 * enum nmr_role - a side of a binding
 * @NMR_CLIENT: the client's side.
 * @NMR_PROVIDER: the provider's side.
 * @NMR_ROLES: the number of sides.
 */
enum nmr_role {
	NMR_CLIENT,
	NMR_PROVIDER,
	NMR_ROLES,
};

/* The type tag of a binding handle, its first word ("NMRB"). */
#define NMR_TAG_BINDING		0x4e4d5242

/**
 * struct nmr_calls - one CPU's counts of the sections entered on a binding
 * @entered: by &enum nmr_role, the sections that side entered on this CPU
 *	minus those it exited on it.  The counts wrap independently (a
 *	section may exit on another CPU than it entered on); only their sum
 *	over the CPUs means anything.
 */
struct nmr_calls {
	unsigned int entered[NMR_ROLES];
};

/**
 * struct nmr_rundown - what the inline rundown protection reads
 * @tag: %NMR_TAG_BINDING; the first word of every handle is its type tag.
 * @used: an enter was called on the binding: set once, under nmr.ko's
 *	lock, with smp_store_release() (nmr_rundown_first_use()), read
 *	without it with smp_load_acquire().
 * @open: nmr_*_enter() may succeed: from just before the provider's attach
 *	callback until the binding's detach begins.  Written under nmr.ko's
 *	lock, read without it.
 * @calls: the binding's per-CPU section counts.
 *
 * The first member of every binding, so that nmr_client_enter() and the
 * three others read it in their caller's code, as percpu_ref_tryget_live()
 * reads a &struct percpu_ref, and call into nmr.ko only on a slow path.
 * NMR's own: a module never reads or writes it itself, and its layout may
 * change with nmr.ko (a module is built against the header of the nmr.ko
 * it loads with).
 */
struct nmr_rundown {
	u32 tag;
	bool used;
	bool open;
	struct nmr_calls __percpu *calls;
};

bool __nmr_enter_slow(struct nmr_binding *binding, enum nmr_role role,
		      unsigned long caller);
void __nmr_exit_closed(struct nmr_binding *binding, enum nmr_role role);
void __nmr_binding_misuse(const struct nmr_binding *binding, unsigned long caller);

/*
 * The fast path of nmr_*_enter().  Ordering, in the terms of
 * tools/memory-model (the other ends are in nmr/rundown.c):
 *
 * - Every load below and the increment run with preemption disabled, from
 *   the first look at @binding on: an RCU read-side critical section.  The
 *   close's grace period (nmr_fence_fn()) waits for it, or it reads the
 *   close's WRITE_ONCE() of @open false (nmr_rundown_close_locked()); and a
 *   binding freed meanwhile (call_rcu() after its tag is overwritten)
 *   stays readable to the section's end.
 * - The acquire of @used pairs with the smp_store_release() in
 *   nmr_rundown_first_use() and orders the load of @open after it, so that
 *   a close that found @used clear and took no grace period is seen
 *   (nmr_rundown_close_locked() has the argument).
 *
 * A NULL or wrong handle, and a binding's first enter, take the slow path,
 * which checks and reports in full, naming the caller (_THIS_IP_ is in
 * the caller's function: this is always inlined into it).
 */
static __always_inline bool __nmr_enter(struct nmr_binding *binding, enum nmr_role role)
{
	const struct nmr_rundown *rd = (const struct nmr_rundown *)binding;
	bool entered;

	preempt_disable();
	if (unlikely(!rd || READ_ONCE(rd->tag) != NMR_TAG_BINDING ||
		     /* Pairs with the release in nmr_rundown_first_use(). */
		     !smp_load_acquire(&rd->used))) {
		entered = __nmr_enter_slow(binding, role, _THIS_IP_);
	} else {
		entered = READ_ONCE(rd->open);
		if (likely(entered))
			this_cpu_inc(rd->calls->entered[role]);
	}
	preempt_enable();
	return entered;
}

/*
 * The fast path of nmr_*_exit().  The decrement and the load of @open run
 * with preemption disabled, an RCU read-side critical section as in
 * __nmr_enter(): either the close's grace period waits for it, and the
 * fence (nmr_fence_fn()) then counts this decrement, or it reads the
 * close's store of @open false and __nmr_exit_closed() rechecks the sums
 * under nmr.ko's lock, which orders it against the fence's sum.  A close
 * that took no grace period saw no enter, so has no exit.
 * __nmr_exit_closed() runs in the same section (the binding may be
 * cleaned up on another CPU once this decrement is seen) and ends it.
 */
static __always_inline void __nmr_exit(struct nmr_binding *binding, enum nmr_role role)
{
	const struct nmr_rundown *rd = (const struct nmr_rundown *)binding;

	if (unlikely(!rd || READ_ONCE(rd->tag) != NMR_TAG_BINDING)) {
		__nmr_binding_misuse(binding, _THIS_IP_);
		return;
	}
	preempt_disable();
	this_cpu_dec(rd->calls->entered[role]);
	if (likely(READ_ONCE(rd->open)))
		preempt_enable();
	else
		__nmr_exit_closed(binding, role);
}

/**
 * nmr_client_enter() - start a call into the provider of @binding
 * @binding: the client's binding, from its attach callback.
 *
 * Succeeds from the moment nmr_client_attach_provider() has returned 0 (so
 * the attach callback may already call the provider) until the binding's
 * detach begins.  It may succeed already while the provider's attach
 * callback runs; such a section is drained like any other, also when the
 * provider then declines.  On success the provider stays attached, and the client
 * side's detach stays incomplete, until the matching nmr_client_exit().
 *
 * Inline: writes only this CPU's counter, with no atomic instruction and
 * no call into nmr.ko but on a binding's first enter or a misuse.
 *
 * Context: any context, including hard IRQ; does not sleep.
 * Return: true when the client may call the provider; false once the
 * detach has begun (or before the provider's attach callback was called),
 * when it must not.
 */
static __always_inline bool nmr_client_enter(struct nmr_binding *binding)
{
	return __nmr_enter(binding, NMR_CLIENT);
}

/**
 * nmr_client_exit() - end a call started by nmr_client_enter()
 * @binding: the binding given to nmr_client_enter().
 *
 * May run on another CPU than its enter.  When it ends the client side's
 * last section after the client's detach callback has returned, the client
 * side's detach completes here, and when the provider side is done too the
 * cleanup callbacks run on this thread before it returns.
 *
 * Inline: calls into nmr.ko only once the binding's detach has begun, or
 * on a misuse.
 *
 * Context: any context, including hard IRQ; does not sleep.
 */
static __always_inline void nmr_client_exit(struct nmr_binding *binding)
{
	__nmr_exit(binding, NMR_CLIENT);
}

/**
 * nmr_provider_enter() - start a call into the client of @binding
 * @binding: the provider's binding, from provider_attach_client().
 *
 * Succeeds from the moment provider_attach_client() has returned 0 until
 * the binding's detach begins.  It may succeed already while that callback
 * runs; such a section is drained like any other, also when the provider
 * declines.  On success the client stays attached, and
 * the provider side's detach stays incomplete, until the matching
 * nmr_provider_exit().
 *
 * Inline, as nmr_client_enter().
 *
 * Context: any context, including hard IRQ; does not sleep.
 * Return: true when the provider may call the client; false once the
 * detach has begun (or before the provider's attach callback was called),
 * when it must not.
 */
static __always_inline bool nmr_provider_enter(struct nmr_binding *binding)
{
	return __nmr_enter(binding, NMR_PROVIDER);
}

/**
 * nmr_provider_exit() - end a call started by nmr_provider_enter()
 * @binding: the binding given to nmr_provider_enter().
 *
 * May run on another CPU than its enter.  When it ends the provider side's
 * last section after the provider's detach callback has returned, the
 * provider side's detach completes here, and when the client side is done
 * too the cleanup callbacks run on this thread before it returns.
 *
 * Inline, as nmr_client_exit().
 *
 * Context: any context, including hard IRQ; does not sleep.
 */
static __always_inline void nmr_provider_exit(struct nmr_binding *binding)
{
	__nmr_exit(binding, NMR_PROVIDER);
}

#endif /* _NMR_NMR_H */
