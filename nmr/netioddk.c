// SPDX-License-Identifier: GPL-2.0
/*
 * The Windows NMR API of <nmr/netioddk.h>, as thunks over the native API.
 *
 * A Windows registration gets a wrapper holding native characteristics
 * whose attach callbacks are the thunks below; the wrapper is the
 * registration's context, and the HANDLE the module gets back is the
 * native handle, registered through the core's internal
 * nmr_layer_register_*() with the layer of its role.  The core tells those
 * HANDLEs from native handles by that layer, frees the wrapper through it
 * once the wait has returned, and calls the layer's detach thunk with the
 * wrapper as well as the binding context: a Windows module's binding
 * contexts need not be unique (contract section 9), and so each detach
 * reaches the Windows callback of the registration that bound it.  The
 * cleanup callbacks have the same type on both sides and are per
 * registration already.  Everything else is
 * conversion: NTSTATUS to errno and back, and registration instances,
 * which have the same layout on both sides (asserted below), so a pointer
 * to one is a pointer to the other.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <nmr/netioddk.h>

#include "nmr_internal.h"

/*
 * The Windows structures are read through pointers to the native ones and
 * back.  Their fields have the same types (USHORT is u16, ULONG u32, the
 * rest pointers), so equal offsets and sizes make equal layouts.
 */
#define NMR_WIN_SAME_OFFSET(win, win_field, native, native_field) \
	static_assert(offsetof(win, win_field) == offsetof(native, native_field))

/*
 * A GUID is read as a guid_t (the NPI ids of Windows registrations), which
 * needs no more alignment; the module ids the core hands a Windows module
 * hold their GUID 4-aligned ("GUIDs" in <nmr/netioddk.h>).
 */
static_assert(sizeof(GUID) == sizeof(guid_t) && __alignof__(GUID) >= __alignof__(guid_t));
static_assert(__alignof__(struct nmr_module_id) % __alignof__(GUID) == 0 &&
	      offsetof(struct nmr_module_id, guid) % __alignof__(GUID) == 0);
static_assert(sizeof(LUID) == sizeof(u64));
static_assert(sizeof(NPI_MODULEID_TYPE) == sizeof(enum nmr_module_id_type));
NMR_WIN_SAME_OFFSET(NPI_MODULEID, Length, struct nmr_module_id, length);
NMR_WIN_SAME_OFFSET(NPI_MODULEID, Type, struct nmr_module_id, type);
NMR_WIN_SAME_OFFSET(NPI_MODULEID, Guid, struct nmr_module_id, guid);
NMR_WIN_SAME_OFFSET(NPI_MODULEID, IfLuid, struct nmr_module_id, if_luid);
static_assert(sizeof(NPI_MODULEID) == sizeof(struct nmr_module_id) &&
	      __alignof__(NPI_MODULEID) == __alignof__(struct nmr_module_id));
NMR_WIN_SAME_OFFSET(NPI_REGISTRATION_INSTANCE, Version, struct nmr_registration_instance, version);
NMR_WIN_SAME_OFFSET(NPI_REGISTRATION_INSTANCE, Size, struct nmr_registration_instance, size);
NMR_WIN_SAME_OFFSET(NPI_REGISTRATION_INSTANCE, NpiId, struct nmr_registration_instance, npi_id);
NMR_WIN_SAME_OFFSET(NPI_REGISTRATION_INSTANCE, ModuleId, struct nmr_registration_instance,
		    module_id);
NMR_WIN_SAME_OFFSET(NPI_REGISTRATION_INSTANCE, Number, struct nmr_registration_instance, number);
NMR_WIN_SAME_OFFSET(NPI_REGISTRATION_INSTANCE, NpiSpecificCharacteristics,
		    struct nmr_registration_instance, npi_specific_characteristics);
static_assert(sizeof(NPI_REGISTRATION_INSTANCE) == sizeof(struct nmr_registration_instance) &&
	      __alignof__(NPI_REGISTRATION_INSTANCE) ==
	      __alignof__(struct nmr_registration_instance));

/**
 * struct nmr_win_provider - a provider registered with NmrRegisterProvider()
 * @chars: the native characteristics, with the thunks.
 * @win: the Windows characteristics.
 * @context: the Windows ProviderContext.
 *
 * The registration's context; the HANDLE the module gets is the native
 * handle, registered through &nmr_win_provider_layer.
 */
struct nmr_win_provider {
	struct nmr_provider_characteristics chars;
	PNPI_PROVIDER_CHARACTERISTICS win;
	PVOID context;
};

/**
 * struct nmr_win_client - a client registered with NmrRegisterClient()
 * @chars: the native characteristics, with the thunks.
 * @win: the Windows characteristics.
 * @context: the Windows ClientContext.
 *
 * The registration's context; the HANDLE the module gets is the native
 * handle, registered through &nmr_win_client_layer.
 */
struct nmr_win_client {
	struct nmr_client_characteristics chars;
	PNPI_CLIENT_CHARACTERISTICS win;
	PVOID context;
};

/*
 * The detach thunks: the core passes the registration's context, the
 * wrapper, so the Windows callback called is the bound registration's.
 */
static int nmr_win_client_detach_provider(void *client_context, void *client_binding_context)
{
	struct nmr_win_client *w = client_context;

	return nmr_ntstatus_to_errno(w->win->ClientDetachProvider(client_binding_context));
}

static int nmr_win_provider_detach_client(void *provider_context, void *provider_binding_context)
{
	struct nmr_win_provider *w = provider_context;

	return nmr_ntstatus_to_errno(w->win->ProviderDetachClient(provider_binding_context));
}

/* The layouts are the same (asserted above): only the names differ. */
static PNPI_REGISTRATION_INSTANCE nmr_win_instance(const struct nmr_registration_instance *native)
{
	return (PNPI_REGISTRATION_INSTANCE)native;
}

static void nmr_win_instance_to_native(struct nmr_registration_instance *native,
				       const NPI_REGISTRATION_INSTANCE *win)
{
	native->version = win->Version;
	native->size = win->Size;
	native->npi_id = (const guid_t *)win->NpiId;
	native->module_id = (const struct nmr_module_id *)win->ModuleId;
	native->number = win->Number;
	native->npi_specific_characteristics = win->NpiSpecificCharacteristics;
}

static int nmr_win_client_attach_provider(struct nmr_binding *binding, void *client_context,
					  const struct nmr_registration_instance *provider)
{
	struct nmr_win_client *w = client_context;

	return nmr_ntstatus_to_errno(w->win->ClientAttachProvider(binding, w->context,
								  nmr_win_instance(provider)));
}

static int nmr_win_provider_attach_client(struct nmr_binding *binding, void *provider_context,
					  const struct nmr_registration_instance *client,
					  void *client_binding_context, const void *client_dispatch,
					  void **provider_binding_context,
					  const void **provider_dispatch)
{
	struct nmr_win_provider *w = provider_context;

	return nmr_ntstatus_to_errno(w->win->ProviderAttachClient(binding, w->context,
								  nmr_win_instance(client),
								  client_binding_context,
								  client_dispatch,
								  provider_binding_context,
								  provider_dispatch));
}

/*
 * Freed by the core once the wait has returned, when nothing can reach the
 * registration any more.
 */
static void nmr_win_release(void *reg_context)
{
	kfree(reg_context);
}

/* Provider and client HANDLEs are told apart from native ones by these. */
static const struct nmr_layer nmr_win_provider_layer = {
	.name = "Windows",
	.detach = nmr_win_provider_detach_client,
	.release = nmr_win_release,
};

static const struct nmr_layer nmr_win_client_layer = {
	.name = "Windows",
	.detach = nmr_win_client_detach_provider,
	.release = nmr_win_release,
};

static bool nmr_win_chars_valid(USHORT version, USHORT length, size_t size,
				bool has_attach, bool has_detach, unsigned long caller)
{
	if (version != 0 || length != size) {
		nmr_misuse(caller, "characteristics version %u length %u, expected 0 and %zu",
			   version, length, size);
		return false;
	}
	if (!has_attach || !has_detach) {
		nmr_misuse(caller, "characteristics lack the %s callback",
			   has_attach ? "detach" : "attach");
		return false;
	}
	return true;
}

/**
 * __NmrRegisterProvider() - register a Windows provider of an NPI
 * @ProviderCharacteristics: the provider's characteristics; must stay
 *	valid, with everything they point to, until the deregistration is
 *	complete.
 * @ProviderContext: passed to the ProviderAttachClient callback.
 * @NmrProviderHandle: receives the registration handle, before the first
 *	attach.
 * @owner: the registering module; NmrRegisterProvider() passes THIS_MODULE.
 *
 * Registers native characteristics whose callbacks call the Windows ones
 * (see "Thunks" in <nmr/netioddk.h>), then behaves as
 * __nmr_register_provider(): clients of the same NPI already registered
 * are offered the provider before this returns.
 *
 * Context: process context (PASSIVE_LEVEL); may sleep.
 * Return: STATUS_SUCCESS; STATUS_INSUFFICIENT_RESOURCES when out of
 * memory; STATUS_INVALID_PARAMETER for NULL arguments, a Version other
 * than 0, a wrong Length, a missing attach or detach callback, or an
 * invalid registration instance.  On failure nothing is registered and
 * *@NmrProviderHandle is NULL.
 */
NTSTATUS __NmrRegisterProvider(PNPI_PROVIDER_CHARACTERISTICS ProviderCharacteristics,
			       PVOID ProviderContext, PHANDLE NmrProviderHandle,
			       struct module *owner)
{
	PNPI_PROVIDER_CHARACTERISTICS win = ProviderCharacteristics;
	struct nmr_win_provider *w;
	int ret;

	if (NmrProviderHandle)
		*NmrProviderHandle = NULL;
	if (!win || !NmrProviderHandle) {
		nmr_misuse(_RET_IP_, "NULL characteristics or handle");
		return STATUS_INVALID_PARAMETER;
	}
	if (!nmr_win_chars_valid(win->Version, win->Length, sizeof(*win),
				 win->ProviderAttachClient, win->ProviderDetachClient, _RET_IP_))
		return STATUS_INVALID_PARAMETER;

	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return STATUS_INSUFFICIENT_RESOURCES;
	w->win = win;
	w->context = ProviderContext;
	w->chars.version = NMR_CHARACTERISTICS_VERSION;
	w->chars.length = sizeof(w->chars);
	w->chars.provider_attach_client = nmr_win_provider_attach_client;
	w->chars.provider_cleanup_binding_context = win->ProviderCleanupBindingContext;
	nmr_win_instance_to_native(&w->chars.provider_registration_instance,
				   &win->ProviderRegistrationInstance);

	/* The HANDLE is the native handle: the core publishes it. */
	ret = nmr_layer_register_provider(&w->chars, w, (struct nmr_provider **)NmrProviderHandle,
					  owner, &nmr_win_provider_layer, _RET_IP_);
	if (ret)
		kfree(w);
	return nmr_errno_to_ntstatus(ret);
}
EXPORT_SYMBOL_NMR(__NmrRegisterProvider);

/**
 * __NmrRegisterClient() - register a Windows client of an NPI
 * @ClientCharacteristics: the client's characteristics; must stay valid,
 *	with everything they point to, until the deregistration is complete.
 * @ClientContext: passed to the ClientAttachProvider callback.
 * @NmrClientHandle: receives the registration handle, before the first
 *	attach.
 * @owner: the registering module; NmrRegisterClient() passes THIS_MODULE.
 *
 * Registers native characteristics whose callbacks call the Windows ones
 * (see "Thunks" in <nmr/netioddk.h>), then behaves as
 * __nmr_register_client(): the client is offered every provider of the
 * same NPI already registered before this returns.
 *
 * Context: process context (PASSIVE_LEVEL); may sleep.
 * Return: STATUS_SUCCESS; STATUS_INSUFFICIENT_RESOURCES when out of
 * memory; STATUS_INVALID_PARAMETER for NULL arguments, a Version other
 * than 0, a wrong Length, a missing attach or detach callback, or an
 * invalid registration instance.  On failure nothing is registered and
 * *@NmrClientHandle is NULL.
 */
NTSTATUS __NmrRegisterClient(PNPI_CLIENT_CHARACTERISTICS ClientCharacteristics,
			     PVOID ClientContext, PHANDLE NmrClientHandle,
			     struct module *owner)
{
	PNPI_CLIENT_CHARACTERISTICS win = ClientCharacteristics;
	struct nmr_win_client *w;
	int ret;

	if (NmrClientHandle)
		*NmrClientHandle = NULL;
	if (!win || !NmrClientHandle) {
		nmr_misuse(_RET_IP_, "NULL characteristics or handle");
		return STATUS_INVALID_PARAMETER;
	}
	if (!nmr_win_chars_valid(win->Version, win->Length, sizeof(*win),
				 win->ClientAttachProvider, win->ClientDetachProvider, _RET_IP_))
		return STATUS_INVALID_PARAMETER;

	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return STATUS_INSUFFICIENT_RESOURCES;
	w->win = win;
	w->context = ClientContext;
	w->chars.version = NMR_CHARACTERISTICS_VERSION;
	w->chars.length = sizeof(w->chars);
	w->chars.client_attach_provider = nmr_win_client_attach_provider;
	w->chars.client_cleanup_binding_context = win->ClientCleanupBindingContext;
	nmr_win_instance_to_native(&w->chars.client_registration_instance,
				   &win->ClientRegistrationInstance);

	/* The HANDLE is the native handle: the core publishes it. */
	ret = nmr_layer_register_client(&w->chars, w, (struct nmr_client **)NmrClientHandle,
					owner, &nmr_win_client_layer, _RET_IP_);
	if (ret)
		kfree(w);
	return nmr_errno_to_ntstatus(ret);
}
EXPORT_SYMBOL_NMR(__NmrRegisterClient);

/**
 * NmrDeregisterProvider() - start deregistering a Windows provider
 * @NmrProviderHandle: the handle NmrRegisterProvider() gave.
 *
 * nmr_deregister_provider(): each binding is detached, client side then
 * provider side, and the detach and cleanup callbacks may run on this
 * thread before it returns.
 *
 * Context: any context (<= DISPATCH_LEVEL); does not sleep.
 * Return: STATUS_PENDING, always, on success: the caller then calls
 * NmrWaitForProviderDeregisterComplete().  STATUS_INVALID_PARAMETER for a
 * NULL handle, a client handle, or a provider deregistered already.
 */
NTSTATUS NmrDeregisterProvider(HANDLE NmrProviderHandle)
{
	return nmr_errno_to_ntstatus(nmr_layer_deregister(NmrProviderHandle, NMR_PROVIDER,
							  &nmr_win_provider_layer, _RET_IP_));
}
EXPORT_SYMBOL_NMR(NmrDeregisterProvider);

/**
 * NmrWaitForProviderDeregisterComplete() - wait for a Windows provider's deregistration
 * @NmrProviderHandle: a handle given to NmrDeregisterProvider().
 *
 * nmr_wait_for_provider_deregister_complete(), then frees the handle.
 * Once it returns no callback of the provider is called again, so the
 * module may return from module_exit().
 *
 * Context: process context (PASSIVE_LEVEL); sleeps.
 * Return: STATUS_SUCCESS, with the handle freed; STATUS_INVALID_PARAMETER
 * for a NULL handle, a client handle, a provider not deregistered yet, or
 * a second wait, with the handle left as it was.
 */
NTSTATUS NmrWaitForProviderDeregisterComplete(HANDLE NmrProviderHandle)
{
	return nmr_errno_to_ntstatus(nmr_layer_wait(NmrProviderHandle, NMR_PROVIDER,
						    &nmr_win_provider_layer, _RET_IP_));
}
EXPORT_SYMBOL_NMR(NmrWaitForProviderDeregisterComplete);

/**
 * NmrDeregisterClient() - start deregistering a Windows client
 * @NmrClientHandle: the handle NmrRegisterClient() gave.
 *
 * nmr_deregister_client(): each binding is detached, client side then
 * provider side, and the detach and cleanup callbacks may run on this
 * thread before it returns.
 *
 * Context: any context (<= DISPATCH_LEVEL); does not sleep.
 * Return: STATUS_PENDING, always, on success: the caller then calls
 * NmrWaitForClientDeregisterComplete().  STATUS_INVALID_PARAMETER for a
 * NULL handle, a provider handle, or a client deregistered already.
 */
NTSTATUS NmrDeregisterClient(HANDLE NmrClientHandle)
{
	return nmr_errno_to_ntstatus(nmr_layer_deregister(NmrClientHandle, NMR_CLIENT,
							  &nmr_win_client_layer, _RET_IP_));
}
EXPORT_SYMBOL_NMR(NmrDeregisterClient);

/**
 * NmrWaitForClientDeregisterComplete() - wait for a Windows client's deregistration
 * @NmrClientHandle: a handle given to NmrDeregisterClient().
 *
 * nmr_wait_for_client_deregister_complete(), then frees the handle.  Once
 * it returns no callback of the client is called again, so the module may
 * return from module_exit().
 *
 * Context: process context (PASSIVE_LEVEL); sleeps.
 * Return: STATUS_SUCCESS, with the handle freed; STATUS_INVALID_PARAMETER
 * for a NULL handle, a provider handle, a client not deregistered yet, or
 * a second wait, with the handle left as it was.
 */
NTSTATUS NmrWaitForClientDeregisterComplete(HANDLE NmrClientHandle)
{
	return nmr_errno_to_ntstatus(nmr_layer_wait(NmrClientHandle, NMR_CLIENT,
						    &nmr_win_client_layer, _RET_IP_));
}
EXPORT_SYMBOL_NMR(NmrWaitForClientDeregisterComplete);

/**
 * NmrClientAttachProvider() - attach a client to the provider it is offered
 * @NmrBindingHandle: the binding the ClientAttachProvider callback was
 *	given.
 * @ClientBindingContext: the client's context for this binding, handed to
 *	the provider and to the client's detach and cleanup callbacks.
 * @ClientDispatch: the client's dispatch table, handed to the provider.
 * @ProviderBindingContext: receives the provider's binding context.
 * @ProviderDispatch: receives the provider's dispatch table.
 *
 * nmr_client_attach_provider(): calls the provider's attach callback and
 * returns its status.  Valid only inside the client's ClientAttachProvider
 * callback for the same binding.  On an error the client may call it
 * again, for example with another dispatch table.
 *
 * Context: process context (PASSIVE_LEVEL), inside the attach callback;
 * may sleep.
 * Return: STATUS_SUCCESS with the out-parameters set; the provider's
 * status when it declined (STATUS_NOINTERFACE by convention), or
 * STATUS_UNSUCCESSFUL when that status would pass NT_SUCCESS();
 * STATUS_INVALID_PARAMETER outside the attach callback, with NULL
 * out-parameters, or when attached already.
 */
NTSTATUS NmrClientAttachProvider(HANDLE NmrBindingHandle, PVOID ClientBindingContext,
				 const void *ClientDispatch, PVOID *ProviderBindingContext,
				 const void **ProviderDispatch)
{
	int ret = nmr_client_attach_provider(NmrBindingHandle, ClientBindingContext,
					     ClientDispatch, ProviderBindingContext,
					     ProviderDispatch);
	NTSTATUS status = nmr_errno_to_ntstatus(ret);

	/*
	 * Any error declines, even one that converts to a success status (a
	 * provider's -EINPROGRESS or STATUS_PENDING): the client must not
	 * take it for an attach when it tests NT_SUCCESS(), as WDK code does.
	 */
	return ret && NT_SUCCESS(status) ? STATUS_UNSUCCESSFUL : status;
}
EXPORT_SYMBOL_NMR(NmrClientAttachProvider);
