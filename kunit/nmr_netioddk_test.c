// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the Windows porting header <nmr/netioddk.h>, through the
 * Windows and the native public APIs only.
 *
 * Each case registers Windows-style providers and clients (the Nmr*
 * functions, NTSTATUS callbacks) and native ones (nmr_*()) on an NPI of
 * its own, logs every callback by the name of its registration ("wp", the
 * Windows provider; "nc", the native client; ...), and compares the log
 * with what the contract prescribes.  It also checks what each side was
 * handed: the binding, the peer's binding context and dispatch table, the
 * peer's registration instance, and the status of each call.
 *
 * Deregistration waits run in a kthread that the case waits for with a
 * timeout, so a hung core fails a case instead of hanging the suite.  Every
 * registration is deregistered and waited for by a kunit action, also when
 * an assertion ends the case early; memory NMR may still point to after a
 * timeout is leaked on purpose rather than freed.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/irqflags.h>
#include <linux/kasan.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uuid.h>

#include <nmr/netioddk.h>

/*
 * DEFINE_GUID() without INITGUID declares; with it, after a second
 * inclusion as on Windows, defines.  The declaration must come first for
 * the definition to compile as the same object.
 */
DEFINE_GUID(ndk_defined_guid,
	    0x78cab5c3, 0x128f, 0x45b3, 0xa5, 0x9c, 0x54, 0x7c, 0x84, 0x75, 0xf3, 0x3d);
#define INITGUID
#include <nmr/wdk.h>
DEFINE_GUID(ndk_defined_guid,
	    0x78cab5c3, 0x128f, 0x45b3, 0xa5, 0x9c, 0x54, 0x7c, 0x84, 0x75, 0xf3, 0x3d);

/* Long enough for a debug kernel under TCG; a hung core still fails fast. */
#define NDK_TIMEOUT	(10 * HZ)
/* How long something that must not happen yet is given to happen. */
#define NDK_NOT_YET	(HZ / 10)

#define NDK_MAX_SIDES	16
#define NDK_LOG_SIZE	512

struct ndk_test;
struct ndk_reg;

/* A peer's registration instance as one side saw it in its attach callback. */
struct ndk_instance {
	u16 version;
	u16 size;
	const void *npi_id;
	guid_t npi;
	int module_type;
	guid_t module;
	u32 number;
	const void *specific;
};

/*
 * One side's binding context.  They live in the case's pool, not in the
 * registration, so the case can inspect them after the cleanup callbacks.
 */
struct ndk_side {
	struct ndk_reg *r;
	void *binding;
	/* What the side was handed from its peer. */
	void *peer_context;
	const void *peer_dispatch;
	struct ndk_instance peer;
	/* Client side: what NmrClientAttachProvider() or nmr_client_attach_provider() returned. */
	int attach_status;
	/* Windows side: its own registration handle, as seen inside its attach. */
	HANDLE handle_in_attach;
	/* Written under t->lock: detach may run on another thread. */
	int detach_calls;
	int cleanup_calls;
	bool pending;
	bool completed;
};

/* A call that may block, made on a kthread so the case can time it out. */
struct ndk_async {
	int (*fn)(struct ndk_reg *r);
	struct ndk_reg *r;
	int ret;
	bool started;
	bool finished;
	struct completion done;
};

/* One provider or client registration, Windows or native, and its behaviour. */
struct ndk_reg {
	struct ndk_test *t;
	const char *name;
	bool is_windows;
	bool is_client;
	u32 number;
	union {
		NPI_PROVIDER_CHARACTERISTICS wp;
		NPI_CLIENT_CHARACTERISTICS wc;
		struct nmr_provider_characteristics np;
		struct nmr_client_characteristics nc;
	} chars;
	/* Each registration's own copies: NMR matches by value. */
	NPIID win_npi;
	guid_t npi;
	guid_t module_guid;
	NPI_MODULEID win_module_id;
	struct nmr_module_id module_id;
	/* Stand-ins whose addresses are handed to the peer. */
	int specific;
	int dispatch;
	union {
		HANDLE handle;
		struct nmr_provider *provider;
		struct nmr_client *client;
	};
	/* Behaviour. */
	bool decline;
	/* What a declining provider returns, when not its NOINTERFACE. */
	int decline_errno;
	NTSTATUS decline_status;
	bool detach_pending;
	bool fail_after_attach;
	bool deregister_in_attach;
	struct ndk_side *shared_context;
	/* State. */
	int deregister_status;
	bool registered;
	bool deregistered;
	bool waited;
	struct ndk_async waiter;
};

/* Per-case state, test->priv. */
struct ndk_test {
	/* Protects the log, the side pool and teardown. */
	spinlock_t lock;
	char log[NDK_LOG_SIZE];
	size_t log_len;
	struct ndk_side sides[NDK_MAX_SIDES];
	unsigned int nr_sides;
	/* Set once the case is over: detach callbacks stop pending. */
	bool teardown;
	/* A wait timed out: NMR may still point into this case's memory. */
	bool leak;
	guid_t npi;
	u32 next_number;
};

/* Log */

static void ndk_log(struct ndk_reg *r, const char *event)
{
	struct ndk_test *t = r->t;
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	t->log_len += scnprintf(t->log + t->log_len, sizeof(t->log) - t->log_len, "%s%s.%s",
				t->log_len ? " " : "", r->name, event);
	spin_unlock_irqrestore(&t->lock, flags);
}

/* The callbacks logged since the last call, space-separated. */
static const char *ndk_take_log(struct kunit *test)
{
	struct ndk_test *t = test->priv;
	unsigned long flags;
	char *copy;

	copy = kunit_kzalloc(test, NDK_LOG_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, copy);
	spin_lock_irqsave(&t->lock, flags);
	memcpy(copy, t->log, t->log_len);
	t->log_len = 0;
	spin_unlock_irqrestore(&t->lock, flags);
	return copy;
}

/* The callbacks since the last check are exactly @want, in that order. */
static void ndk_expect_log(struct kunit *test, const char *want)
{
	KUNIT_EXPECT_STREQ(test, ndk_take_log(test), want);
}

/* Sides */

static struct ndk_side *ndk_side_new(struct ndk_reg *r)
{
	struct ndk_test *t = r->t;
	struct ndk_side *s = NULL;
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	if (t->nr_sides < ARRAY_SIZE(t->sides))
		s = &t->sides[t->nr_sides++];
	spin_unlock_irqrestore(&t->lock, flags);
	if (s)
		s->r = r;
	return s;
}

/* The first side @r attached, or NULL. */
static struct ndk_side *ndk_side_of(struct ndk_reg *r)
{
	struct ndk_test *t = r->t;
	struct ndk_side *found = NULL;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&t->lock, flags);
	for (i = 0; i < t->nr_sides && !found; i++)
		if (t->sides[i].r == r)
			found = &t->sides[i];
	spin_unlock_irqrestore(&t->lock, flags);
	return found;
}

static struct ndk_side *ndk_side(struct kunit *test, struct ndk_reg *r)
{
	struct ndk_side *s = ndk_side_of(r);

	KUNIT_ASSERT_NOT_NULL_MSG(test, s, "%s never attached", r->name);
	return s;
}

static void ndk_snapshot_native(struct ndk_instance *seen,
				const struct nmr_registration_instance *peer)
{
	seen->version = peer->version;
	seen->size = peer->size;
	seen->npi_id = peer->npi_id;
	seen->npi = *peer->npi_id;
	if (peer->module_id) {
		seen->module_type = peer->module_id->type;
		seen->module = peer->module_id->guid;
	}
	seen->number = peer->number;
	seen->specific = peer->npi_specific_characteristics;
}

static void ndk_snapshot_win(struct ndk_instance *seen, PNPI_REGISTRATION_INSTANCE peer)
{
	seen->version = peer->Version;
	seen->size = peer->Size;
	seen->npi_id = peer->NpiId;
	memcpy(&seen->npi, peer->NpiId, sizeof(seen->npi));
	if (peer->ModuleId) {
		seen->module_type = peer->ModuleId->Type;
		memcpy(&seen->module, &peer->ModuleId->Guid, sizeof(seen->module));
	}
	seen->number = peer->Number;
	seen->specific = peer->NpiSpecificCharacteristics;
}

/* Detach and complete */

/* Logs a detach; whether the side keeps it pending. */
static bool ndk_detach(struct ndk_side *s)
{
	struct ndk_test *t = s->r->t;
	unsigned long flags;
	bool pending;

	ndk_log(s->r, "detach");
	spin_lock_irqsave(&t->lock, flags);
	s->detach_calls++;
	pending = s->r->detach_pending && !t->teardown;
	s->pending = pending;
	spin_unlock_irqrestore(&t->lock, flags);
	return pending;
}

/* Completes @s's pending detach, once, through the API of its kind. */
static void ndk_complete(struct ndk_side *s)
{
	struct ndk_test *t = s->r->t;
	unsigned long flags;
	bool done;

	spin_lock_irqsave(&t->lock, flags);
	done = !s->pending || s->completed;
	s->completed = true;
	spin_unlock_irqrestore(&t->lock, flags);
	if (done)
		return;
	if (s->r->is_windows && s->r->is_client)
		NmrClientDetachProviderComplete(s->binding);
	else if (s->r->is_windows)
		NmrProviderDetachClientComplete(s->binding);
	else if (s->r->is_client)
		nmr_client_detach_provider_complete(s->binding);
	else
		nmr_provider_detach_client_complete(s->binding);
}

static void ndk_cleanup(struct ndk_side *s)
{
	struct ndk_test *t = s->r->t;
	unsigned long flags;

	ndk_log(s->r, "cleanup");
	spin_lock_irqsave(&t->lock, flags);
	s->cleanup_calls++;
	spin_unlock_irqrestore(&t->lock, flags);
}

/* Native callbacks */

static int ndk_native_client_attach(struct nmr_binding *binding, void *client_context,
				    const struct nmr_registration_instance *provider)
{
	struct ndk_reg *c = client_context;
	struct ndk_side *s;

	ndk_log(c, "attach");
	if (c->decline)
		return -ENODEV;
	s = ndk_side_new(c);
	if (!s)
		return -ENOMEM;
	s->binding = binding;
	ndk_snapshot_native(&s->peer, provider);
	s->attach_status = nmr_client_attach_provider(binding, s, &c->dispatch, &s->peer_context,
						      &s->peer_dispatch);
	return s->attach_status;
}

static int ndk_native_provider_attach(struct nmr_binding *binding, void *provider_context,
				      const struct nmr_registration_instance *client,
				      void *client_binding_context, const void *client_dispatch,
				      void **provider_binding_context,
				      const void **provider_dispatch)
{
	struct ndk_reg *p = provider_context;
	struct ndk_side *s;

	ndk_log(p, "attach");
	if (p->decline)
		return p->decline_errno ?: -ENODEV;
	s = ndk_side_new(p);
	if (!s)
		return -ENOMEM;
	s->binding = binding;
	ndk_snapshot_native(&s->peer, client);
	s->peer_context = client_binding_context;
	s->peer_dispatch = client_dispatch;
	*provider_binding_context = s;
	*provider_dispatch = &p->dispatch;
	return 0;
}

static int ndk_native_detach(void *binding_context)
{
	return ndk_detach(binding_context) ? -EINPROGRESS : 0;
}

static void ndk_native_cleanup(void *binding_context)
{
	ndk_cleanup(binding_context);
}

/* Windows callbacks */

static NTSTATUS ndk_win_client_attach(HANDLE NmrBindingHandle, PVOID ClientContext,
				      PNPI_REGISTRATION_INSTANCE ProviderRegistrationInstance)
{
	struct ndk_reg *c = ClientContext;
	struct ndk_side *s;

	ndk_log(c, "attach");
	if (c->decline)
		return STATUS_NOINTERFACE;
	s = ndk_side_new(c);
	if (!s)
		return STATUS_INSUFFICIENT_RESOURCES;
	s->binding = NmrBindingHandle;
	s->handle_in_attach = c->handle;
	ndk_snapshot_win(&s->peer, ProviderRegistrationInstance);
	s->attach_status = NmrClientAttachProvider(NmrBindingHandle,
						   c->shared_context ?: s, &c->dispatch,
						   &s->peer_context, &s->peer_dispatch);
	if (s->attach_status == STATUS_SUCCESS && c->deregister_in_attach) {
		c->deregistered = true;
		c->deregister_status = NmrDeregisterClient(c->handle);
	}
	if (c->fail_after_attach)
		return STATUS_INSUFFICIENT_RESOURCES;
	return s->attach_status;
}

static NTSTATUS ndk_win_provider_attach(HANDLE NmrBindingHandle, PVOID ProviderContext,
					PNPI_REGISTRATION_INSTANCE ClientRegistrationInstance,
					PVOID ClientBindingContext, const void *ClientDispatch,
					PVOID *ProviderBindingContext,
					const void **ProviderDispatch)
{
	struct ndk_reg *p = ProviderContext;
	struct ndk_side *s;

	ndk_log(p, "attach");
	if (p->decline)
		return p->decline_status ?: STATUS_NOINTERFACE;
	s = ndk_side_new(p);
	if (!s)
		return STATUS_INSUFFICIENT_RESOURCES;
	s->binding = NmrBindingHandle;
	s->handle_in_attach = p->handle;
	ndk_snapshot_win(&s->peer, ClientRegistrationInstance);
	s->peer_context = ClientBindingContext;
	s->peer_dispatch = ClientDispatch;
	*ProviderBindingContext = s;
	*ProviderDispatch = &p->dispatch;
	return STATUS_SUCCESS;
}

static NTSTATUS ndk_win_detach(PVOID BindingContext)
{
	return ndk_detach(BindingContext) ? STATUS_PENDING : STATUS_SUCCESS;
}

static void ndk_win_cleanup(PVOID BindingContext)
{
	ndk_cleanup(BindingContext);
}

/* Registrations */

static int ndk_register_call(struct ndk_reg *r)
{
	int ret;

	if (r->is_windows && r->is_client)
		ret = NmrRegisterClient(&r->chars.wc, r, &r->handle);
	else if (r->is_windows)
		ret = NmrRegisterProvider(&r->chars.wp, r, &r->handle);
	else if (r->is_client)
		ret = nmr_register_client(&r->chars.nc, r, &r->client);
	else
		ret = nmr_register_provider(&r->chars.np, r, &r->provider);
	/* STATUS_SUCCESS and 0 are both 0. */
	if (!ret)
		r->registered = true;
	return ret;
}

static int ndk_deregister_call(struct ndk_reg *r)
{
	r->deregistered = true;
	if (r->is_windows && r->is_client)
		return NmrDeregisterClient(r->handle);
	if (r->is_windows)
		return NmrDeregisterProvider(r->handle);
	if (r->is_client)
		return nmr_deregister_client(r->client);
	return nmr_deregister_provider(r->provider);
}

static int ndk_wait_call(struct ndk_reg *r)
{
	int ret;

	if (r->is_windows && r->is_client)
		ret = NmrWaitForClientDeregisterComplete(r->handle);
	else if (r->is_windows)
		ret = NmrWaitForProviderDeregisterComplete(r->handle);
	else if (r->is_client)
		ret = nmr_wait_for_client_deregister_complete(r->client);
	else
		ret = nmr_wait_for_provider_deregister_complete(r->provider);
	/* On success the handle is gone: never wait on it again. */
	if (!ret)
		r->waited = true;
	return ret;
}

static int ndk_async_fn(void *data)
{
	struct ndk_async *a = data;

	a->ret = a->fn(a->r);
	kthread_complete_and_exit(&a->done, 0);
}

static bool ndk_async_run(struct ndk_async *a, int (*fn)(struct ndk_reg *r), struct ndk_reg *r)
{
	struct task_struct *task;

	a->fn = fn;
	a->r = r;
	a->finished = false;
	reinit_completion(&a->done);
	task = kthread_run(ndk_async_fn, a, "ndk_test");
	a->started = !IS_ERR(task);
	return a->started;
}

/* Whether @a has returned, waiting for it at most @timeout. */
static bool ndk_async_wait(struct ndk_async *a, unsigned long timeout)
{
	if (!a->started || a->finished)
		return true;
	a->finished = wait_for_completion_timeout(&a->done, timeout);
	return a->finished;
}

/* Completes every pending detach, so that waits can end. */
static void ndk_unblock(struct ndk_test *t)
{
	struct ndk_side *s;
	unsigned long flags;
	unsigned int i;

	for (;;) {
		s = NULL;
		spin_lock_irqsave(&t->lock, flags);
		t->teardown = true;
		for (i = 0; i < t->nr_sides && !s; i++)
			if (t->sides[i].pending && !t->sides[i].completed)
				s = &t->sides[i];
		spin_unlock_irqrestore(&t->lock, flags);
		if (!s)
			break;
		ndk_complete(s);
	}
}

/* kunit action: deregister and wait for @r unless the case did, then free it. */
static void ndk_reg_release(void *data)
{
	struct ndk_reg *r = data;
	struct ndk_test *t = r->t;

	ndk_unblock(t);
	if (r->registered && !r->waited) {
		if (!r->deregistered)
			ndk_deregister_call(r);
		if ((!r->waiter.started || r->waiter.finished) &&
		    !ndk_async_run(&r->waiter, ndk_wait_call, r))
			goto leak;
		if (!ndk_async_wait(&r->waiter, NDK_TIMEOUT) || !r->waited)
			goto leak;
	}
	kfree(r);
	return;
leak:
	pr_err("nmr_netioddk_test: %s never finished deregistering; leaking it\n", r->name);
	t->leak = true;
}

static void ndk_init_win_instance(struct ndk_reg *r, NPI_REGISTRATION_INSTANCE *instance)
{
	memcpy(&r->win_npi, &r->npi, sizeof(r->win_npi));
	r->win_module_id.Length = sizeof(r->win_module_id);
	r->win_module_id.Type = MIT_GUID;
	memcpy(&r->win_module_id.Guid, &r->module_guid, sizeof(r->win_module_id.Guid));
	instance->Version = 0;
	instance->Size = sizeof(*instance);
	instance->NpiId = &r->win_npi;
	instance->ModuleId = &r->win_module_id;
	instance->Number = r->number;
	instance->NpiSpecificCharacteristics = &r->specific;
}

static void ndk_init_native_instance(struct ndk_reg *r, struct nmr_registration_instance *instance)
{
	r->module_id.length = sizeof(r->module_id);
	r->module_id.type = NMR_MIT_GUID;
	r->module_id.guid = r->module_guid;
	instance->version = NMR_REGISTRATION_INSTANCE_VERSION;
	instance->size = sizeof(*instance);
	instance->npi_id = &r->npi;
	instance->module_id = &r->module_id;
	instance->number = r->number;
	instance->npi_specific_characteristics = &r->specific;
}

static void ndk_init_chars(struct ndk_reg *r)
{
	if (r->is_windows && r->is_client) {
		r->chars.wc.Length = sizeof(r->chars.wc);
		r->chars.wc.ClientAttachProvider = ndk_win_client_attach;
		r->chars.wc.ClientDetachProvider = ndk_win_detach;
		r->chars.wc.ClientCleanupBindingContext = ndk_win_cleanup;
		ndk_init_win_instance(r, &r->chars.wc.ClientRegistrationInstance);
	} else if (r->is_windows) {
		r->chars.wp.Length = sizeof(r->chars.wp);
		r->chars.wp.ProviderAttachClient = ndk_win_provider_attach;
		r->chars.wp.ProviderDetachClient = ndk_win_detach;
		r->chars.wp.ProviderCleanupBindingContext = ndk_win_cleanup;
		ndk_init_win_instance(r, &r->chars.wp.ProviderRegistrationInstance);
	} else if (r->is_client) {
		r->chars.nc.version = NMR_CHARACTERISTICS_VERSION;
		r->chars.nc.length = sizeof(r->chars.nc);
		r->chars.nc.client_attach_provider = ndk_native_client_attach;
		r->chars.nc.client_detach_provider = ndk_native_detach;
		r->chars.nc.client_cleanup_binding_context = ndk_native_cleanup;
		ndk_init_native_instance(r, &r->chars.nc.client_registration_instance);
	} else {
		r->chars.np.version = NMR_CHARACTERISTICS_VERSION;
		r->chars.np.length = sizeof(r->chars.np);
		r->chars.np.provider_attach_client = ndk_native_provider_attach;
		r->chars.np.provider_detach_client = ndk_native_detach;
		r->chars.np.provider_cleanup_binding_context = ndk_native_cleanup;
		ndk_init_native_instance(r, &r->chars.np.provider_registration_instance);
	}
}

/*
 * A registration named @name: "w" or "n" for Windows or native, then "p"
 * or "c" for provider or client, then an optional number.
 */
static struct ndk_reg *ndk_new(struct kunit *test, const char *name)
{
	struct ndk_test *t = test->priv;
	struct ndk_reg *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->t = t;
	r->name = name;
	r->is_windows = name[0] == 'w';
	r->is_client = name[1] == 'c';
	r->number = ++t->next_number;
	r->npi = t->npi;
	guid_gen(&r->module_guid);
	init_completion(&r->waiter.done);
	ndk_init_chars(r);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ndk_reg_release, r), 0);
	return r;
}

static void ndk_register(struct kunit *test, struct ndk_reg *r)
{
	KUNIT_ASSERT_EQ_MSG(test, ndk_register_call(r), 0, "registering %s", r->name);
}

/* Deregisters @r and checks the status: STATUS_PENDING or -EINPROGRESS. */
static void ndk_deregister(struct kunit *test, struct ndk_reg *r)
{
	if (r->is_windows)
		KUNIT_EXPECT_EQ(test, ndk_deregister_call(r), STATUS_PENDING);
	else
		KUNIT_EXPECT_EQ(test, ndk_deregister_call(r), -EINPROGRESS);
}

static void ndk_start_wait(struct kunit *test, struct ndk_reg *r)
{
	KUNIT_ASSERT_TRUE_MSG(test, ndk_async_run(&r->waiter, ndk_wait_call, r),
			      "kthread_run failed");
}

/* What the wait for @r returned; fails the case if it did not return in time. */
static int ndk_finish_wait(struct kunit *test, struct ndk_reg *r)
{
	KUNIT_ASSERT_TRUE_MSG(test, ndk_async_wait(&r->waiter, NDK_TIMEOUT),
			      "the wait for %s did not return within %d s", r->name,
			      NDK_TIMEOUT / HZ);
	return r->waiter.ret;
}

static int ndk_wait(struct kunit *test, struct ndk_reg *r)
{
	ndk_start_wait(test, r);
	return ndk_finish_wait(test, r);
}

/* Deregisters @r and waits: STATUS_SUCCESS and 0 are both 0. */
static void ndk_deregister_and_wait(struct kunit *test, struct ndk_reg *r)
{
	ndk_deregister(test, r);
	KUNIT_EXPECT_EQ(test, ndk_wait(test, r), 0);
}

/* Registers provider @p, then client @c, and checks that they bound. */
static void ndk_bind(struct kunit *test, struct ndk_reg *p, struct ndk_reg *c)
{
	ndk_register(test, p);
	ndk_register(test, c);
	KUNIT_EXPECT_EQ(test, ndk_side(test, c)->attach_status, 0);
	ndk_side(test, p);
}

/* Checks */

/* @seen is @peer's registration instance: its own values, its own NPI id. */
static void ndk_expect_instance_of(struct kunit *test, const struct ndk_instance *seen,
				   const struct ndk_reg *peer)
{
	const void *npi_id = peer->is_windows ? (const void *)&peer->win_npi : &peer->npi;

	KUNIT_EXPECT_EQ(test, seen->version, 0);
	KUNIT_EXPECT_EQ(test, seen->size, sizeof(NPI_REGISTRATION_INSTANCE));
	KUNIT_EXPECT_PTR_EQ(test, seen->npi_id, npi_id);
	KUNIT_EXPECT_TRUE(test, guid_equal(&seen->npi, &peer->t->npi));
	KUNIT_EXPECT_EQ(test, seen->module_type, MIT_GUID);
	KUNIT_EXPECT_TRUE(test, guid_equal(&seen->module, &peer->module_guid));
	KUNIT_EXPECT_EQ(test, seen->number, peer->number);
	KUNIT_EXPECT_PTR_EQ(test, seen->specific, (const void *)&peer->specific);
}

/*
 * Provider @p and client @c share one binding, each holds the other's
 * binding context and dispatch table.
 */
static void ndk_expect_handed_over(struct kunit *test, struct ndk_reg *p, struct ndk_reg *c)
{
	struct ndk_side *ps = ndk_side(test, p);
	struct ndk_side *cs = ndk_side(test, c);

	KUNIT_EXPECT_NOT_NULL(test, cs->binding);
	KUNIT_EXPECT_PTR_EQ(test, ps->binding, cs->binding);
	KUNIT_EXPECT_PTR_EQ(test, cs->peer_context, (void *)ps);
	KUNIT_EXPECT_PTR_EQ(test, cs->peer_dispatch, (const void *)&p->dispatch);
	KUNIT_EXPECT_PTR_EQ(test, ps->peer_context, (void *)cs);
	KUNIT_EXPECT_PTR_EQ(test, ps->peer_dispatch, (const void *)&c->dispatch);
}

/* Status conversions */

static const struct {
	NTSTATUS status;
	int err;
} ndk_contract_table[] = {
	{ STATUS_SUCCESS, 0 },
	{ STATUS_PENDING, -EINPROGRESS },
	{ STATUS_NOINTERFACE, -ENODEV },
	{ STATUS_INSUFFICIENT_RESOURCES, -ENOMEM },
	{ STATUS_INVALID_PARAMETER, -EINVAL },
};

static void ntstatus_converts_to_the_errno_of_the_contract_table(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ndk_contract_table); i++)
		KUNIT_EXPECT_EQ_MSG(test, nmr_ntstatus_to_errno(ndk_contract_table[i].status),
				    ndk_contract_table[i].err, "NTSTATUS %#x",
				    (u32)ndk_contract_table[i].status);
}

static void errno_converts_to_the_ntstatus_of_the_contract_table(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ndk_contract_table); i++)
		KUNIT_EXPECT_EQ_MSG(test, nmr_errno_to_ntstatus(ndk_contract_table[i].err),
				    ndk_contract_table[i].status, "errno %d",
				    ndk_contract_table[i].err);
}

static void other_failures_convert_to_eio_and_status_unsuccessful(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, nmr_ntstatus_to_errno(STATUS_UNSUCCESSFUL), -EIO);
	/* STATUS_SHARING_VIOLATION, which has no errno of its meaning. */
	KUNIT_EXPECT_EQ(test, nmr_ntstatus_to_errno((NTSTATUS)0xC0000043), -EIO);
	KUNIT_EXPECT_EQ(test, nmr_errno_to_ntstatus(-EIO), STATUS_UNSUCCESSFUL);
	KUNIT_EXPECT_EQ(test, nmr_errno_to_ntstatus(-EDOM), STATUS_UNSUCCESSFUL);
	KUNIT_EXPECT_EQ(test, nmr_errno_to_ntstatus(-ESHUTDOWN), STATUS_UNSUCCESSFUL);
}

static void other_success_codes_convert_to_zero(struct kunit *test)
{
	/* STATUS_WAIT_1, and an informational code (severity 1). */
	KUNIT_EXPECT_EQ(test, nmr_ntstatus_to_errno((NTSTATUS)0x00000001), 0);
	KUNIT_EXPECT_EQ(test, nmr_ntstatus_to_errno((NTSTATUS)0x40000000), 0);
}

static void status_values_are_the_windows_ones(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, (u32)STATUS_SUCCESS, 0x00000000);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_PENDING, 0x00000103);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_UNSUCCESSFUL, 0xC0000001);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_INVALID_PARAMETER, 0xC000000D);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_INSUFFICIENT_RESOURCES, 0xC000009A);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_NOINTERFACE, 0xC00002B9);
	KUNIT_EXPECT_EQ(test, sizeof(NTSTATUS), 4);
}

static void nt_success_holds_for_success_and_pending_only(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, NT_SUCCESS(STATUS_SUCCESS));
	KUNIT_EXPECT_TRUE(test, NT_SUCCESS(STATUS_PENDING));
	KUNIT_EXPECT_FALSE(test, NT_SUCCESS(STATUS_NOINTERFACE));
	KUNIT_EXPECT_FALSE(test, NT_SUCCESS(STATUS_INSUFFICIENT_RESOURCES));
	KUNIT_EXPECT_FALSE(test, NT_SUCCESS(STATUS_INVALID_PARAMETER));
	KUNIT_EXPECT_FALSE(test, NT_SUCCESS(STATUS_UNSUCCESSFUL));
}

static void windows_guid_initializer_has_the_bytes_of_guid_init(struct kunit *test)
{
	static const NPIID win = {
		0x78cab5c3, 0x128f, 0x45b3, { 0xa5, 0x9c, 0x54, 0x7c, 0x84, 0x75, 0xf3, 0x3d }
	};
	static const guid_t native = GUID_INIT(0x78cab5c3, 0x128f, 0x45b3, 0xa5, 0x9c, 0x54,
					       0x7c, 0x84, 0x75, 0xf3, 0x3d);

	KUNIT_EXPECT_MEMEQ(test, &win, &native, sizeof(native));
}

/*
 * Every code of <nmr/wdk.h> that has an errno of its own, with its Windows
 * value written out here rather than through the header's names.
 */
static const struct {
	u32 status;
	int err;
} ndk_round_trip_table[] = {
	{ 0x00000000, 0 },			/* STATUS_SUCCESS */
	{ 0x00000103, -EINPROGRESS },		/* STATUS_PENDING */
	{ 0x80000005, -EOVERFLOW },		/* STATUS_BUFFER_OVERFLOW */
	{ 0x80000011, -EBUSY },			/* STATUS_DEVICE_BUSY */
	{ 0xC0000008, -EBADF },			/* STATUS_INVALID_HANDLE */
	{ 0xC000000D, -EINVAL },		/* STATUS_INVALID_PARAMETER */
	{ 0xC000000E, -ENXIO },			/* STATUS_NO_SUCH_DEVICE */
	{ 0xC0000010, -ENOTTY },		/* STATUS_INVALID_DEVICE_REQUEST */
	{ 0xC0000022, -EACCES },		/* STATUS_ACCESS_DENIED */
	{ 0xC0000023, -ERANGE },		/* STATUS_BUFFER_TOO_SMALL */
	{ 0xC0000035, -EEXIST },		/* STATUS_OBJECT_NAME_COLLISION */
	{ 0xC0000061, -EPERM },			/* STATUS_PRIVILEGE_NOT_HELD */
	{ 0xC000009A, -ENOMEM },		/* STATUS_INSUFFICIENT_RESOURCES */
	{ 0xC000009D, -ENOTCONN },		/* STATUS_DEVICE_NOT_CONNECTED */
	{ 0xC00000A3, -EAGAIN },		/* STATUS_DEVICE_NOT_READY */
	{ 0xC00000B5, -ETIMEDOUT },		/* STATUS_IO_TIMEOUT */
	{ 0xC00000BB, -EOPNOTSUPP },		/* STATUS_NOT_SUPPORTED */
	{ 0xC0000120, -ECANCELED },		/* STATUS_CANCELLED */
	{ 0xC000020A, -EADDRINUSE },		/* STATUS_ADDRESS_ALREADY_EXISTS */
	{ 0xC000020D, -ECONNRESET },		/* STATUS_CONNECTION_RESET */
	{ 0xC0000225, -ENOENT },		/* STATUS_NOT_FOUND */
	{ 0xC0000236, -ECONNREFUSED },		/* STATUS_CONNECTION_REFUSED */
	{ 0xC000023C, -ENETUNREACH },		/* STATUS_NETWORK_UNREACHABLE */
	{ 0xC000023D, -EHOSTUNREACH },		/* STATUS_HOST_UNREACHABLE */
	{ 0xC0000241, -ECONNABORTED },		/* STATUS_CONNECTION_ABORTED */
	{ 0xC00002B9, -ENODEV },		/* STATUS_NOINTERFACE */
};

static void every_status_with_an_errno_round_trips(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ndk_round_trip_table); i++) {
		NTSTATUS status = (NTSTATUS)ndk_round_trip_table[i].status;
		int err = ndk_round_trip_table[i].err;

		KUNIT_EXPECT_EQ_MSG(test, nmr_ntstatus_to_errno(status), err, "NTSTATUS %#x",
				    (u32)status);
		KUNIT_EXPECT_EQ_MSG(test, nmr_errno_to_ntstatus(err), status, "errno %d", err);
	}
}

/* Where two codes mean one errno, the errno comes back as the other. */
static void statuses_sharing_an_errno_convert_one_way(struct kunit *test)
{
	/* STATUS_NO_MEMORY, STATUS_OBJECT_NAME_NOT_FOUND, STATUS_NOT_IMPLEMENTED */
	KUNIT_EXPECT_EQ(test, nmr_ntstatus_to_errno((NTSTATUS)0xC0000017), -ENOMEM);
	KUNIT_EXPECT_EQ(test, nmr_ntstatus_to_errno((NTSTATUS)0xC0000034), -ENOENT);
	KUNIT_EXPECT_EQ(test, nmr_ntstatus_to_errno((NTSTATUS)0xC0000002), -EOPNOTSUPP);
	/* STATUS_TIMEOUT, a success code; the errno comes back a failure. */
	KUNIT_EXPECT_EQ(test, nmr_ntstatus_to_errno((NTSTATUS)0x00000102), -ETIMEDOUT);
	KUNIT_EXPECT_FALSE(test, NT_SUCCESS(nmr_errno_to_ntstatus(-ETIMEDOUT)));
}

static void new_status_values_are_the_windows_ones(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, (u32)STATUS_TIMEOUT, 0x00000102);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_BUFFER_OVERFLOW, 0x80000005);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_DEVICE_BUSY, 0x80000011);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_NOT_IMPLEMENTED, 0xC0000002);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_INVALID_HANDLE, 0xC0000008);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_NO_SUCH_DEVICE, 0xC000000E);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_INVALID_DEVICE_REQUEST, 0xC0000010);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_NO_MEMORY, 0xC0000017);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_ACCESS_DENIED, 0xC0000022);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_BUFFER_TOO_SMALL, 0xC0000023);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_OBJECT_NAME_NOT_FOUND, 0xC0000034);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_OBJECT_NAME_COLLISION, 0xC0000035);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_PRIVILEGE_NOT_HELD, 0xC0000061);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_DEVICE_NOT_CONNECTED, 0xC000009D);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_DEVICE_NOT_READY, 0xC00000A3);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_IO_TIMEOUT, 0xC00000B5);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_NOT_SUPPORTED, 0xC00000BB);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_CANCELLED, 0xC0000120);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_ADDRESS_ALREADY_EXISTS, 0xC000020A);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_CONNECTION_RESET, 0xC000020D);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_NOT_FOUND, 0xC0000225);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_CONNECTION_REFUSED, 0xC0000236);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_NETWORK_UNREACHABLE, 0xC000023C);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_HOST_UNREACHABLE, 0xC000023D);
	KUNIT_EXPECT_EQ(test, (u32)STATUS_CONNECTION_ABORTED, 0xC0000241);
}

static void nt_severity_tests_read_the_top_two_bits(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, NT_INFORMATION(STATUS_SUCCESS));
	KUNIT_EXPECT_FALSE(test, NT_WARNING(STATUS_SUCCESS));
	KUNIT_EXPECT_FALSE(test, NT_ERROR(STATUS_SUCCESS));
	KUNIT_EXPECT_TRUE(test, NT_INFORMATION((NTSTATUS)0x40000000));
	KUNIT_EXPECT_FALSE(test, NT_ERROR((NTSTATUS)0x40000000));
	KUNIT_EXPECT_TRUE(test, NT_WARNING(STATUS_BUFFER_OVERFLOW));
	KUNIT_EXPECT_FALSE(test, NT_ERROR(STATUS_BUFFER_OVERFLOW));
	KUNIT_EXPECT_FALSE(test, NT_SUCCESS(STATUS_BUFFER_OVERFLOW));
	KUNIT_EXPECT_TRUE(test, NT_ERROR(STATUS_NOT_FOUND));
	KUNIT_EXPECT_FALSE(test, NT_WARNING(STATUS_NOT_FOUND));
	KUNIT_EXPECT_FALSE(test, NT_INFORMATION(STATUS_NOT_FOUND));
}

/* A GUID after a char, as a structure embedding one lays it out. */
struct ndk_guid_after_char {
	char c;
	GUID guid;
};

static void guid_has_the_windows_size_alignment_and_offsets(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(GUID), 16);
	KUNIT_EXPECT_EQ(test, __alignof__(GUID), 4);
	KUNIT_EXPECT_EQ(test, offsetof(GUID, Data1), 0);
	KUNIT_EXPECT_EQ(test, offsetof(GUID, Data2), 4);
	KUNIT_EXPECT_EQ(test, offsetof(GUID, Data3), 6);
	KUNIT_EXPECT_EQ(test, offsetof(GUID, Data4), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct ndk_guid_after_char, guid), 4);
	KUNIT_EXPECT_EQ(test, sizeof(struct ndk_guid_after_char), 20);
	/* NPI_MODULEID as on Windows x64: the union at 8, 24 bytes. */
	KUNIT_EXPECT_EQ(test, offsetof(NPI_MODULEID, Length), 0);
	KUNIT_EXPECT_EQ(test, offsetof(NPI_MODULEID, Type), 4);
	KUNIT_EXPECT_EQ(test, offsetof(NPI_MODULEID, Guid), 8);
	KUNIT_EXPECT_EQ(test, offsetof(NPI_MODULEID, IfLuid), 8);
	KUNIT_EXPECT_EQ(test, sizeof(NPI_MODULEID), 24);
}

static void define_guid_declares_then_defines_with_initguid(struct kunit *test)
{
	static const guid_t native = GUID_INIT(0x78cab5c3, 0x128f, 0x45b3, 0xa5, 0x9c, 0x54,
					       0x7c, 0x84, 0x75, 0xf3, 0x3d);

	KUNIT_EXPECT_MEMEQ(test, &ndk_defined_guid, &native, sizeof(native));
	KUNIT_EXPECT_EQ(test, ndk_defined_guid.Data1, 0x78cab5c3);
	KUNIT_EXPECT_EQ(test, ndk_defined_guid.Data2, 0x128f);
	KUNIT_EXPECT_EQ(test, ndk_defined_guid.Data3, 0x45b3);
	KUNIT_EXPECT_EQ(test, ndk_defined_guid.Data4[7], 0x3d);
}

static void is_equal_guid_compares_every_byte_of_the_value(struct kunit *test)
{
	/* The second copy at an odd address, as a native guid_t may be. */
	u8 buf[2 * sizeof(GUID) + 1];
	GUID a = ndk_defined_guid;
	const GUID *b = (const GUID *)(buf + 1);
	unsigned int i;

	memcpy(buf + 1, &ndk_defined_guid, sizeof(GUID));
	KUNIT_EXPECT_TRUE(test, IsEqualGUID(&a, &ndk_defined_guid));
	KUNIT_EXPECT_TRUE(test, IsEqualGUID(&a, b));
	for (i = 0; i < sizeof(GUID); i++) {
		buf[1 + i] ^= 0x01;
		KUNIT_EXPECT_FALSE_MSG(test, IsEqualGUID(&a, b), "byte %u differs", i);
		buf[1 + i] ^= 0x01;
	}
}

static void nmr_is_equal_npi_module_id_compares_type_and_guid_or_luid(struct kunit *test)
{
	NPI_MODULEID a = { sizeof(NPI_MODULEID), MIT_GUID };
	NPI_MODULEID b = { sizeof(NPI_MODULEID), MIT_GUID };

	a.Guid = ndk_defined_guid;
	b.Guid = ndk_defined_guid;
	KUNIT_EXPECT_TRUE(test, NmrIsEqualNpiModuleId(&a, &b));
	b.Length = 0;
	KUNIT_EXPECT_TRUE_MSG(test, NmrIsEqualNpiModuleId(&a, &b), "Length is not compared");
	b.Guid.Data4[7] ^= 1;
	KUNIT_EXPECT_FALSE(test, NmrIsEqualNpiModuleId(&a, &b));
	b.Guid.Data4[7] ^= 1;
	b.Guid.Data1 ^= 1;
	KUNIT_EXPECT_FALSE(test, NmrIsEqualNpiModuleId(&a, &b));

	/* The same 16 bytes under another Type are another module. */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.Type = MIT_GUID;
	b.Type = MIT_IF_LUID;
	KUNIT_EXPECT_FALSE(test, NmrIsEqualNpiModuleId(&a, &b));

	a.Type = MIT_IF_LUID;
	a.IfLuid.LowPart = 7;
	a.IfLuid.HighPart = 9;
	b.IfLuid = a.IfLuid;
	/* Only the LUID counts: the bytes past it in the union differ. */
	b.Guid.Data4[7] = 0xff;
	KUNIT_EXPECT_TRUE(test, NmrIsEqualNpiModuleId(&a, &b));
	b.IfLuid.HighPart = 10;
	KUNIT_EXPECT_FALSE(test, NmrIsEqualNpiModuleId(&a, &b));
	b.IfLuid.HighPart = 9;
	b.IfLuid.LowPart = 8;
	KUNIT_EXPECT_FALSE(test, NmrIsEqualNpiModuleId(&a, &b));
}

/* Binding across the two APIs */

static void windows_provider_and_native_client_hand_over_contexts_and_dispatch(struct kunit *test)
{
	struct ndk_reg *wp = ndk_new(test, "wp");
	struct ndk_reg *nc = ndk_new(test, "nc");

	ndk_bind(test, wp, nc);
	ndk_expect_log(test, "nc.attach wp.attach");
	ndk_expect_handed_over(test, wp, nc);
}

static void native_client_sees_the_windows_provider_registration_instance(struct kunit *test)
{
	struct ndk_reg *wp = ndk_new(test, "wp");
	struct ndk_reg *nc = ndk_new(test, "nc");

	ndk_bind(test, wp, nc);
	ndk_expect_instance_of(test, &ndk_side(test, nc)->peer, wp);
}

static void windows_provider_sees_the_native_client_registration_instance(struct kunit *test)
{
	struct ndk_reg *wp = ndk_new(test, "wp");
	struct ndk_reg *nc = ndk_new(test, "nc");

	ndk_bind(test, wp, nc);
	ndk_expect_instance_of(test, &ndk_side(test, wp)->peer, nc);
}

static void native_provider_and_windows_client_hand_over_contexts_and_dispatch(struct kunit *test)
{
	struct ndk_reg *np = ndk_new(test, "np");
	struct ndk_reg *wc = ndk_new(test, "wc");

	ndk_bind(test, np, wc);
	ndk_expect_log(test, "wc.attach np.attach");
	KUNIT_EXPECT_EQ(test, ndk_side(test, wc)->attach_status, STATUS_SUCCESS);
	ndk_expect_handed_over(test, np, wc);
}

static void windows_client_sees_the_native_provider_registration_instance(struct kunit *test)
{
	struct ndk_reg *np = ndk_new(test, "np");
	struct ndk_reg *wc = ndk_new(test, "wc");

	ndk_bind(test, np, wc);
	ndk_expect_instance_of(test, &ndk_side(test, wc)->peer, np);
}

static void native_provider_sees_the_windows_client_registration_instance(struct kunit *test)
{
	struct ndk_reg *np = ndk_new(test, "np");
	struct ndk_reg *wc = ndk_new(test, "wc");

	ndk_bind(test, np, wc);
	ndk_expect_instance_of(test, &ndk_side(test, np)->peer, wc);
}

static void windows_provider_and_windows_client_bind_to_each_other(struct kunit *test)
{
	struct ndk_reg *wp = ndk_new(test, "wp");
	struct ndk_reg *wc = ndk_new(test, "wc");

	ndk_bind(test, wp, wc);
	ndk_expect_log(test, "wc.attach wp.attach");
	ndk_expect_handed_over(test, wp, wc);
	ndk_expect_instance_of(test, &ndk_side(test, wc)->peer, wp);
	ndk_expect_instance_of(test, &ndk_side(test, wp)->peer, wc);
}

static void register_writes_the_handle_before_the_first_attach(struct kunit *test)
{
	struct ndk_reg *nc = ndk_new(test, "nc");
	struct ndk_reg *wp = ndk_new(test, "wp");
	struct ndk_reg *np = ndk_new(test, "np");
	struct ndk_reg *wc = ndk_new(test, "wc");

	ndk_register(test, nc);
	ndk_register(test, wp);
	ndk_register(test, np);
	ndk_register(test, wc);
	KUNIT_EXPECT_NOT_NULL(test, wp->handle);
	KUNIT_EXPECT_PTR_EQ(test, ndk_side(test, wp)->handle_in_attach, wp->handle);
	KUNIT_EXPECT_NOT_NULL(test, wc->handle);
	KUNIT_EXPECT_PTR_EQ(test, ndk_side(test, wc)->handle_in_attach, wc->handle);
}

/* Deregistration */

static void deregister_returns_status_pending_even_without_bindings(struct kunit *test)
{
	struct ndk_reg *wp = ndk_new(test, "wp");
	struct ndk_reg *wc = ndk_new(test, "wc");

	ndk_register(test, wp);
	wc->npi.b[0] ^= 0xff;
	ndk_init_chars(wc);
	ndk_register(test, wc);
	ndk_expect_log(test, "");
	KUNIT_EXPECT_EQ(test, NmrDeregisterProvider(wp->handle), STATUS_PENDING);
	wp->deregistered = true;
	KUNIT_EXPECT_EQ(test, NmrDeregisterClient(wc->handle), STATUS_PENDING);
	wc->deregistered = true;
}

static void wait_returns_status_success_once_the_deregistration_is_complete(struct kunit *test)
{
	struct ndk_reg *wp = ndk_new(test, "wp");
	struct ndk_reg *wc = ndk_new(test, "wc");

	wc->npi.b[0] ^= 0xff;
	ndk_init_chars(wc);
	ndk_register(test, wp);
	ndk_register(test, wc);
	ndk_deregister(test, wp);
	ndk_deregister(test, wc);
	KUNIT_EXPECT_EQ(test, ndk_wait(test, wp), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ndk_wait(test, wc), STATUS_SUCCESS);
}

static void windows_provider_leaving_detaches_client_then_provider_and_cleans_up(struct kunit *test)
{
	struct ndk_reg *wp = ndk_new(test, "wp");
	struct ndk_reg *nc = ndk_new(test, "nc");

	ndk_bind(test, wp, nc);
	ndk_expect_log(test, "nc.attach wp.attach");
	ndk_deregister_and_wait(test, wp);
	ndk_expect_log(test, "nc.detach wp.detach nc.cleanup wp.cleanup");
}

static void windows_client_leaving_detaches_client_then_provider_and_cleans_up(struct kunit *test)
{
	struct ndk_reg *np = ndk_new(test, "np");
	struct ndk_reg *wc = ndk_new(test, "wc");

	ndk_bind(test, np, wc);
	ndk_expect_log(test, "wc.attach np.attach");
	ndk_deregister_and_wait(test, wc);
	ndk_expect_log(test, "wc.detach np.detach wc.cleanup np.cleanup");
}

static void pending_provider_detach_ends_on_nmr_provider_detach_client_complete(struct kunit *test)
{
	struct ndk_reg *wp = ndk_new(test, "wp");
	struct ndk_reg *nc = ndk_new(test, "nc");
	struct ndk_side *ps;

	wp->detach_pending = true;
	ndk_bind(test, wp, nc);
	ps = ndk_side(test, wp);
	ndk_expect_log(test, "nc.attach wp.attach");

	ndk_deregister(test, wp);
	ndk_start_wait(test, wp);
	KUNIT_EXPECT_FALSE_MSG(test, ndk_async_wait(&wp->waiter, NDK_NOT_YET),
			       "the wait returned while the provider's detach was pending");
	ndk_expect_log(test, "nc.detach wp.detach");
	KUNIT_EXPECT_TRUE(test, ps->pending);

	ndk_complete(ps);
	ndk_expect_log(test, "nc.cleanup wp.cleanup");
	KUNIT_EXPECT_EQ(test, ndk_finish_wait(test, wp), STATUS_SUCCESS);
}

static void pending_client_detach_ends_on_nmr_client_detach_provider_complete(struct kunit *test)
{
	struct ndk_reg *np = ndk_new(test, "np");
	struct ndk_reg *wc = ndk_new(test, "wc");
	struct ndk_side *cs;

	wc->detach_pending = true;
	ndk_bind(test, np, wc);
	cs = ndk_side(test, wc);
	ndk_expect_log(test, "wc.attach np.attach");

	ndk_deregister(test, np);
	ndk_start_wait(test, np);
	KUNIT_EXPECT_FALSE_MSG(test, ndk_async_wait(&np->waiter, NDK_NOT_YET),
			       "the wait returned while the client's detach was pending");
	ndk_expect_log(test, "wc.detach np.detach");
	KUNIT_EXPECT_TRUE(test, cs->pending);

	ndk_complete(cs);
	ndk_expect_log(test, "wc.cleanup np.cleanup");
	KUNIT_EXPECT_EQ(test, ndk_finish_wait(test, np), 0);
}

static void windows_deregistration_works_with_irqs_off(struct kunit *test)
{
	struct ndk_reg *wp = ndk_new(test, "wp");
	struct ndk_reg *nc = ndk_new(test, "nc");
	unsigned long flags;
	NTSTATUS status;

	ndk_bind(test, wp, nc);
	ndk_expect_log(test, "nc.attach wp.attach");
	local_irq_save(flags);
	status = NmrDeregisterProvider(wp->handle);
	local_irq_restore(flags);
	wp->deregistered = true;
	KUNIT_EXPECT_EQ(test, status, STATUS_PENDING);
	ndk_expect_log(test, "nc.detach wp.detach nc.cleanup wp.cleanup");
	KUNIT_EXPECT_EQ(test, ndk_wait(test, wp), STATUS_SUCCESS);
}

/* Declining and failing */

static void windows_client_gets_status_nointerface_when_the_provider_declines(struct kunit *test)
{
	struct ndk_reg *np = ndk_new(test, "np");
	struct ndk_reg *wc = ndk_new(test, "wc");

	np->decline = true;
	ndk_register(test, np);
	ndk_register(test, wc);
	ndk_expect_log(test, "wc.attach np.attach");
	KUNIT_EXPECT_EQ(test, ndk_side(test, wc)->attach_status, STATUS_NOINTERFACE);
	ndk_deregister_and_wait(test, wc);
	ndk_expect_log(test, "");
}

/*
 * A provider's attach may return only success or a failure; one that
 * answers "pending" (or a native -EINPROGRESS) has declined, and the
 * WDK-style client testing NT_SUCCESS() must not take it for an attach.
 */
static void windows_client_never_gets_a_success_status_for_a_decline(struct kunit *test)
{
	struct ndk_reg *wp = ndk_new(test, "wp");
	struct ndk_reg *np = ndk_new(test, "np");
	struct ndk_reg *wc = ndk_new(test, "wc");
	struct ndk_reg *wc2 = ndk_new(test, "wc2");

	wp->decline = true;
	wp->decline_status = STATUS_PENDING;
	ndk_register(test, wp);
	ndk_register(test, wc);
	ndk_expect_log(test, "wc.attach wp.attach");
	KUNIT_EXPECT_FALSE(test, NT_SUCCESS(ndk_side(test, wc)->attach_status));
	KUNIT_EXPECT_EQ(test, ndk_side(test, wc)->attach_status, STATUS_UNSUCCESSFUL);
	ndk_deregister_and_wait(test, wp);
	ndk_deregister_and_wait(test, wc);
	ndk_expect_log(test, "");

	np->decline = true;
	np->decline_errno = -EINPROGRESS;
	ndk_register(test, np);
	ndk_register(test, wc2);
	ndk_expect_log(test, "wc2.attach np.attach");
	KUNIT_EXPECT_FALSE(test, NT_SUCCESS(ndk_side(test, wc2)->attach_status));
	KUNIT_EXPECT_EQ(test, ndk_side(test, wc2)->attach_status, STATUS_UNSUCCESSFUL);
	ndk_deregister_and_wait(test, np);
	ndk_deregister_and_wait(test, wc2);
	ndk_expect_log(test, "");
}

static void native_client_gets_enodev_when_the_windows_provider_declines(struct kunit *test)
{
	struct ndk_reg *wp = ndk_new(test, "wp");
	struct ndk_reg *nc = ndk_new(test, "nc");

	wp->decline = true;
	ndk_register(test, wp);
	ndk_register(test, nc);
	ndk_expect_log(test, "nc.attach wp.attach");
	KUNIT_EXPECT_EQ(test, ndk_side(test, nc)->attach_status, -ENODEV);
	ndk_deregister_and_wait(test, wp);
	ndk_expect_log(test, "");
}

static void windows_client_declining_leaves_the_pair_unbound(struct kunit *test)
{
	struct ndk_reg *np = ndk_new(test, "np");
	struct ndk_reg *wc = ndk_new(test, "wc");

	wc->decline = true;
	ndk_register(test, np);
	ndk_register(test, wc);
	ndk_expect_log(test, "wc.attach");
	ndk_deregister_and_wait(test, np);
	ndk_expect_log(test, "");
}

static void windows_client_failing_after_attach_gets_no_detach(struct kunit *test)
{
	struct ndk_reg *np = ndk_new(test, "np");
	struct ndk_reg *wc = ndk_new(test, "wc");

	wc->fail_after_attach = true;
	ndk_register(test, np);
	ndk_register(test, wc);
	KUNIT_EXPECT_EQ(test, ndk_side(test, wc)->attach_status, STATUS_SUCCESS);
	ndk_expect_log(test, "wc.attach np.attach np.detach np.cleanup");
	ndk_deregister_and_wait(test, wc);
	ndk_deregister_and_wait(test, np);
	ndk_expect_log(test, "");
}

static void windows_client_deregistering_in_its_attach_is_detached_once_attached(struct kunit *test)
{
	struct ndk_reg *np = ndk_new(test, "np");
	struct ndk_reg *wc = ndk_new(test, "wc");

	wc->deregister_in_attach = true;
	ndk_register(test, np);
	ndk_register(test, wc);
	KUNIT_EXPECT_EQ(test, wc->deregister_status, STATUS_PENDING);
	ndk_expect_log(test, "wc.attach np.attach wc.detach np.detach wc.cleanup np.cleanup");
	KUNIT_EXPECT_EQ(test, ndk_wait(test, wc), STATUS_SUCCESS);
}

static void windows_client_may_share_one_binding_context_between_bindings(struct kunit *test)
{
	struct ndk_reg *np1 = ndk_new(test, "np1");
	struct ndk_reg *np2 = ndk_new(test, "np2");
	struct ndk_reg *wc = ndk_new(test, "wc");
	struct ndk_side *shared;

	shared = ndk_side_new(wc);
	KUNIT_ASSERT_NOT_NULL(test, shared);
	wc->shared_context = shared;
	ndk_register(test, np1);
	ndk_register(test, np2);
	ndk_register(test, wc);
	ndk_expect_log(test, "wc.attach np1.attach wc.attach np2.attach");
	KUNIT_EXPECT_PTR_EQ(test, ndk_side(test, np1)->peer_context, (void *)shared);
	KUNIT_EXPECT_PTR_EQ(test, ndk_side(test, np2)->peer_context, (void *)shared);

	ndk_deregister_and_wait(test, wc);
	KUNIT_EXPECT_EQ(test, shared->detach_calls, 2);
	KUNIT_EXPECT_EQ(test, shared->cleanup_calls, 2);
	KUNIT_EXPECT_EQ(test, ndk_side(test, np1)->detach_calls, 1);
	KUNIT_EXPECT_EQ(test, ndk_side(test, np2)->detach_calls, 1);
	KUNIT_EXPECT_EQ(test, ndk_side(test, np1)->cleanup_calls, 1);
	KUNIT_EXPECT_EQ(test, ndk_side(test, np2)->cleanup_calls, 1);
}

/* Misuse */

enum ndk_spoil {
	NDK_NULL_CHARS,
	NDK_NULL_HANDLE,
	NDK_BAD_VERSION,
	NDK_SHORT_LENGTH,
	NDK_NO_ATTACH,
	NDK_NO_DETACH,
	NDK_SHORT_INSTANCE_SIZE,
	NDK_NO_NPI_ID,
};

struct ndk_bad_arg {
	enum ndk_spoil spoil;
	const char *desc;
};

static const struct ndk_bad_arg ndk_bad_args[] = {
	{ NDK_NULL_CHARS, "NULL characteristics" },
	{ NDK_NULL_HANDLE, "NULL handle pointer" },
	{ NDK_BAD_VERSION, "characteristics Version 1" },
	{ NDK_SHORT_LENGTH, "characteristics Length one short" },
	{ NDK_NO_ATTACH, "no attach callback" },
	{ NDK_NO_DETACH, "no detach callback" },
	{ NDK_SHORT_INSTANCE_SIZE, "registration instance Size one short" },
	{ NDK_NO_NPI_ID, "NULL NpiId" },
};

KUNIT_ARRAY_PARAM_DESC(ndk_bad_args, ndk_bad_args, desc);

static void ndk_spoil_provider(NPI_PROVIDER_CHARACTERISTICS *chars, enum ndk_spoil spoil)
{
	switch (spoil) {
	case NDK_BAD_VERSION:
		chars->Version = 1;
		break;
	case NDK_SHORT_LENGTH:
		chars->Length--;
		break;
	case NDK_NO_ATTACH:
		chars->ProviderAttachClient = NULL;
		break;
	case NDK_NO_DETACH:
		chars->ProviderDetachClient = NULL;
		break;
	case NDK_SHORT_INSTANCE_SIZE:
		chars->ProviderRegistrationInstance.Size--;
		break;
	case NDK_NO_NPI_ID:
		chars->ProviderRegistrationInstance.NpiId = NULL;
		break;
	default:
		break;
	}
}

static void ndk_spoil_client(NPI_CLIENT_CHARACTERISTICS *chars, enum ndk_spoil spoil)
{
	switch (spoil) {
	case NDK_BAD_VERSION:
		chars->Version = 1;
		break;
	case NDK_SHORT_LENGTH:
		chars->Length--;
		break;
	case NDK_NO_ATTACH:
		chars->ClientAttachProvider = NULL;
		break;
	case NDK_NO_DETACH:
		chars->ClientDetachProvider = NULL;
		break;
	case NDK_SHORT_INSTANCE_SIZE:
		chars->ClientRegistrationInstance.Size--;
		break;
	case NDK_NO_NPI_ID:
		chars->ClientRegistrationInstance.NpiId = NULL;
		break;
	default:
		break;
	}
}

/* Registers Windows registration @r spoiled as @spoil says. */
static NTSTATUS ndk_register_spoiled(struct ndk_reg *r, enum ndk_spoil spoil)
{
	PHANDLE handle = spoil == NDK_NULL_HANDLE ? NULL : &r->handle;
	bool null_chars = spoil == NDK_NULL_CHARS;

	/* Not NULL before: the failed register must clear it. */
	r->handle = r;
	if (r->is_client) {
		ndk_spoil_client(&r->chars.wc, spoil);
		return NmrRegisterClient(null_chars ? NULL : &r->chars.wc, r, handle);
	}
	ndk_spoil_provider(&r->chars.wp, spoil);
	return NmrRegisterProvider(null_chars ? NULL : &r->chars.wp, r, handle);
}

/*
 * The spoiled registration @r returns STATUS_INVALID_PARAMETER, NULLs the
 * handle, and registers nothing: a peer of its NPI gets no offer.
 */
static void ndk_expect_rejected(struct kunit *test, struct ndk_reg *r, struct ndk_reg *peer)
{
	const struct ndk_bad_arg *arg = test->param_value;

	KUNIT_EXPECT_EQ(test, ndk_register_spoiled(r, arg->spoil), STATUS_INVALID_PARAMETER);
	if (arg->spoil != NDK_NULL_HANDLE)
		KUNIT_EXPECT_NULL(test, r->handle);
	r->handle = NULL;
	ndk_register(test, peer);
	ndk_expect_log(test, "");
}

static void register_provider_rejects_invalid_characteristics(struct kunit *test)
{
	ndk_expect_rejected(test, ndk_new(test, "wp"), ndk_new(test, "nc"));
}

static void register_client_rejects_invalid_characteristics(struct kunit *test)
{
	ndk_expect_rejected(test, ndk_new(test, "wc"), ndk_new(test, "np"));
}

static void null_handles_are_rejected(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, NmrDeregisterProvider(NULL), STATUS_INVALID_PARAMETER);
	KUNIT_EXPECT_EQ(test, NmrWaitForProviderDeregisterComplete(NULL), STATUS_INVALID_PARAMETER);
	KUNIT_EXPECT_EQ(test, NmrDeregisterClient(NULL), STATUS_INVALID_PARAMETER);
	KUNIT_EXPECT_EQ(test, NmrWaitForClientDeregisterComplete(NULL), STATUS_INVALID_PARAMETER);
}

static void handles_of_the_other_role_are_rejected(struct kunit *test)
{
	struct ndk_reg *wp = ndk_new(test, "wp");
	struct ndk_reg *wc = ndk_new(test, "wc");

	ndk_bind(test, wp, wc);
	ndk_expect_log(test, "wc.attach wp.attach");
	KUNIT_EXPECT_EQ(test, NmrDeregisterProvider(wc->handle), STATUS_INVALID_PARAMETER);
	KUNIT_EXPECT_EQ(test, NmrDeregisterClient(wp->handle), STATUS_INVALID_PARAMETER);
	ndk_expect_log(test, "");
	ndk_deregister_and_wait(test, wp);
	ndk_expect_log(test, "wc.detach wp.detach wc.cleanup wp.cleanup");
}

/* The four functions taking a registration HANDLE, given @handle. */
static void ndk_expect_handle_rejected(struct kunit *test, HANDLE handle, const char *what)
{
	KUNIT_EXPECT_EQ_MSG(test, NmrDeregisterProvider(handle), STATUS_INVALID_PARAMETER,
			    "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, NmrWaitForProviderDeregisterComplete(handle),
			    STATUS_INVALID_PARAMETER, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, NmrDeregisterClient(handle), STATUS_INVALID_PARAMETER,
			    "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, NmrWaitForClientDeregisterComplete(handle),
			    STATUS_INVALID_PARAMETER, "%s", what);
}

/*
 * A HANDLE that is no Windows registration (a native handle, a binding,
 * test memory of zeroes or of garbage) is rejected before NMR follows
 * anything it holds; the native pair stays bound.
 */
static void handles_that_are_not_windows_registrations_are_rejected(struct kunit *test)
{
	struct ndk_reg *np = ndk_new(test, "np");
	struct ndk_reg *nc = ndk_new(test, "nc");
	u8 *zeroes = kunit_kzalloc(test, 256, GFP_KERNEL);
	u8 *garbage = kunit_kmalloc(test, 256, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, zeroes);
	KUNIT_ASSERT_NOT_NULL(test, garbage);
	memset(garbage, 0xa5, 256);
	ndk_bind(test, np, nc);
	ndk_expect_log(test, "nc.attach np.attach");
	ndk_expect_handle_rejected(test, np->provider, "native provider handle");
	ndk_expect_handle_rejected(test, nc->client, "native client handle");
	ndk_expect_handle_rejected(test, ndk_side(test, nc)->binding, "binding handle");
	ndk_expect_handle_rejected(test, zeroes, "zeroes");
	ndk_expect_handle_rejected(test, garbage, "garbage");
	ndk_expect_log(test, "");
	ndk_deregister_and_wait(test, np);
	ndk_expect_log(test, "nc.detach np.detach nc.cleanup np.cleanup");
}

/*
 * The HANDLE of a Windows registration whose wait has just returned, so
 * NMR has freed it.  Reading it is a use after free that KASAN rightly
 * reports; in a kernel without KASAN the object is still mapped and not
 * yet reused right after the free, and there the tag must catch it.
 * kasan_disable_current() models that kernel for these calls only (KASAN
 * still keeps the object in its quarantine, so nothing reuses it).
 */
static void freed_windows_handles_are_rejected(struct kunit *test)
{
	struct ndk_reg *wp = ndk_new(test, "wp");
	struct ndk_reg *wc = ndk_new(test, "wc");

	ndk_register(test, wp);
	ndk_register(test, wc);
	ndk_deregister_and_wait(test, wp);
	KUNIT_ASSERT_TRUE(test, wp->waited);
	kasan_disable_current();
	ndk_expect_handle_rejected(test, wp->handle, "freed provider handle");
	kasan_enable_current();
	ndk_deregister_and_wait(test, wc);
	KUNIT_ASSERT_TRUE(test, wc->waited);
	kasan_disable_current();
	ndk_expect_handle_rejected(test, wc->handle, "freed client handle");
	kasan_enable_current();
}

static void waiting_before_deregistering_is_rejected_and_keeps_the_handle(struct kunit *test)
{
	struct ndk_reg *wp = ndk_new(test, "wp");

	ndk_register(test, wp);
	KUNIT_EXPECT_EQ(test, ndk_wait(test, wp), STATUS_INVALID_PARAMETER);
	ndk_deregister_and_wait(test, wp);
}

static void attach_outside_the_attach_callback_is_rejected(struct kunit *test)
{
	struct ndk_reg *np = ndk_new(test, "np");
	struct ndk_reg *wc = ndk_new(test, "wc");
	const void *dispatch = NULL;
	void *context = NULL;

	ndk_bind(test, np, wc);
	ndk_expect_log(test, "wc.attach np.attach");
	KUNIT_EXPECT_EQ(test, NmrClientAttachProvider(ndk_side(test, wc)->binding, wc,
						      &wc->dispatch, &context, &dispatch),
			STATUS_INVALID_PARAMETER);
	ndk_expect_log(test, "");
	KUNIT_EXPECT_NULL(test, context);
	KUNIT_EXPECT_NULL(test, dispatch);
}

/* Suite */

/* kunit action, the last to run: free the case's state unless NMR may hold it. */
static void ndk_test_release(void *data)
{
	struct ndk_test *t = data;

	if (t->leak) {
		pr_err("nmr_netioddk_test: NMR may still use this case's memory; leaking it\n");
		return;
	}
	kfree(t);
}

static int ndk_test_init(struct kunit *test)
{
	struct ndk_test *t;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	spin_lock_init(&t->lock);
	guid_gen(&t->npi);
	test->priv = t;
	return kunit_add_action_or_reset(test, ndk_test_release, t);
}

static struct kunit_case ndk_test_cases[] = {
	KUNIT_CASE(ntstatus_converts_to_the_errno_of_the_contract_table),
	KUNIT_CASE(errno_converts_to_the_ntstatus_of_the_contract_table),
	KUNIT_CASE(other_failures_convert_to_eio_and_status_unsuccessful),
	KUNIT_CASE(other_success_codes_convert_to_zero),
	KUNIT_CASE(status_values_are_the_windows_ones),
	KUNIT_CASE(nt_success_holds_for_success_and_pending_only),
	KUNIT_CASE(windows_guid_initializer_has_the_bytes_of_guid_init),
	KUNIT_CASE(every_status_with_an_errno_round_trips),
	KUNIT_CASE(statuses_sharing_an_errno_convert_one_way),
	KUNIT_CASE(new_status_values_are_the_windows_ones),
	KUNIT_CASE(nt_severity_tests_read_the_top_two_bits),
	KUNIT_CASE(guid_has_the_windows_size_alignment_and_offsets),
	KUNIT_CASE(define_guid_declares_then_defines_with_initguid),
	KUNIT_CASE(is_equal_guid_compares_every_byte_of_the_value),
	KUNIT_CASE(nmr_is_equal_npi_module_id_compares_type_and_guid_or_luid),
	KUNIT_CASE(windows_provider_and_native_client_hand_over_contexts_and_dispatch),
	KUNIT_CASE(native_client_sees_the_windows_provider_registration_instance),
	KUNIT_CASE(windows_provider_sees_the_native_client_registration_instance),
	KUNIT_CASE(native_provider_and_windows_client_hand_over_contexts_and_dispatch),
	KUNIT_CASE(windows_client_sees_the_native_provider_registration_instance),
	KUNIT_CASE(native_provider_sees_the_windows_client_registration_instance),
	KUNIT_CASE(windows_provider_and_windows_client_bind_to_each_other),
	KUNIT_CASE(register_writes_the_handle_before_the_first_attach),
	KUNIT_CASE(deregister_returns_status_pending_even_without_bindings),
	KUNIT_CASE(wait_returns_status_success_once_the_deregistration_is_complete),
	KUNIT_CASE(windows_provider_leaving_detaches_client_then_provider_and_cleans_up),
	KUNIT_CASE(windows_client_leaving_detaches_client_then_provider_and_cleans_up),
	KUNIT_CASE(pending_provider_detach_ends_on_nmr_provider_detach_client_complete),
	KUNIT_CASE(pending_client_detach_ends_on_nmr_client_detach_provider_complete),
	KUNIT_CASE(windows_deregistration_works_with_irqs_off),
	KUNIT_CASE(windows_client_gets_status_nointerface_when_the_provider_declines),
	KUNIT_CASE(windows_client_never_gets_a_success_status_for_a_decline),
	KUNIT_CASE(native_client_gets_enodev_when_the_windows_provider_declines),
	KUNIT_CASE(windows_client_declining_leaves_the_pair_unbound),
	KUNIT_CASE(windows_client_failing_after_attach_gets_no_detach),
	KUNIT_CASE(windows_client_deregistering_in_its_attach_is_detached_once_attached),
	KUNIT_CASE(windows_client_may_share_one_binding_context_between_bindings),
	KUNIT_CASE_PARAM(register_provider_rejects_invalid_characteristics,
			 ndk_bad_args_gen_params),
	KUNIT_CASE_PARAM(register_client_rejects_invalid_characteristics,
			 ndk_bad_args_gen_params),
	KUNIT_CASE(null_handles_are_rejected),
	KUNIT_CASE(handles_of_the_other_role_are_rejected),
	KUNIT_CASE(handles_that_are_not_windows_registrations_are_rejected),
	KUNIT_CASE(freed_windows_handles_are_rejected),
	KUNIT_CASE(waiting_before_deregistering_is_rejected_and_keeps_the_handle),
	KUNIT_CASE(attach_outside_the_attach_callback_is_rejected),
	{}
};

static struct kunit_suite ndk_test_suite = {
	.name = "nmr_netioddk",
	.init = ndk_test_init,
	.test_cases = ndk_test_cases,
};

kunit_test_suite(ndk_test_suite);

MODULE_DESCRIPTION("KUnit tests for the Windows porting header <nmr/netioddk.h>");
MODULE_LICENSE("GPL");
NMR_IMPORT_NS();
