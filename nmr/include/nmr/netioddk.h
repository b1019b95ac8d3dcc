/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netioddk.h - the Windows NMR API, for porting Windows network modules.
 */

/**
 * DOC: Porting header
 *
 * A Windows network module that provides or uses an NPI includes
 * netioddk.h and calls the nine Nmr* functions with its characteristics,
 * callbacks and contexts.  This header gives it those names, with the
 * Windows signatures and structure layouts, on top of <nmr/nmr.h>, so that
 * it builds against nmr.ko with few changes (docs/porting.md lists them):
 *
 * - The WDK basics the module is written with, its base types, SAL and
 *   IRQL annotations, NTSTATUS codes and GUIDs, come from <nmr/wdk.h>,
 *   which this header includes.  NTSTATUS is a 32-bit int holding the
 *   Windows values, and nmr_ntstatus_to_errno() and
 *   nmr_errno_to_ntstatus() convert it, the five codes of the contract
 *   and every other code with an errno of the same meaning.
 * - HANDLE is void *.  A binding handle (NmrBindingHandle) is the native
 *   &struct nmr_binding itself, so a Windows module and a native one bound
 *   to each other see the same binding.
 * - NPI_MODULEID and NPI_REGISTRATION_INSTANCE are laid out like
 *   &struct nmr_module_id and &struct nmr_registration_instance, field for
 *   field (nmr/netioddk.c asserts both at build time).  So the
 *   registration instance an attach callback is given is the peer's own,
 *   native or Windows, and stays valid as long as the binding, as on
 *   Windows.  GUIDs keep their Windows initializers ({ Data1, Data2,
 *   Data3, { Data4 } }), whose bytes are those of GUID_INIT() with the
 *   same numbers on a little-endian kernel, the only kind this header
 *   builds on.
 * - NmrIsEqualNpiModuleId() compares two module ids as Windows does.
 * - NmrProviderDetachClientComplete() and NmrClientDetachProviderComplete()
 *   are the native complete functions under their Windows names.
 */

/**
 * DOC: Thunks
 *
 * Characteristics cannot be handed to the core as they are: a Windows
 * callback returns an NTSTATUS where the core expects an errno.
 * NmrRegisterProvider() and NmrRegisterClient() therefore allocate a small
 * wrapper holding native characteristics whose attach and detach callbacks
 * are thunks: they call the Windows callback with the Windows context and
 * convert what it returns.  The cleanup callbacks return nothing and have
 * the same type on both sides, so the Windows ones are passed through.
 * The HANDLE the module gets back is the native handle itself, marked as
 * a Windows registration (so the native functions refuse it, and the
 * Windows ones refuse a native handle) and published as a native handle
 * is: before the first attach, and only once registered, so any thread
 * may use it from then on.  NmrWaitFor*DeregisterComplete() frees the
 * wrapper with the registration.  The register functions are macros that
 * pass THIS_MODULE, so the calling module is recorded as the owner, as
 * with nmr_register_provider().
 *
 * As on Windows, a binding context is any value the module chooses: it
 * need not be unique, may be NULL, and may be shared by several
 * registrations, NPIs and modules.  Each binding's detach goes to the
 * detach callback of the registration that bound it: the core hands the
 * detach thunk that registration's wrapper, not only the binding context.
 * That is why the thunks are compiled into nmr.ko (nmr/netioddk.c), which
 * registers through an interface internal to the core rather than only
 * <nmr/nmr.h>.
 */

/**
 * DOC: GUIDs
 *
 * GUID has the Windows alignment, 4, where guid_t has 1.  The GUIDs the
 * Windows layer hands a Windows module, in a peer's registration instance,
 * are 4-aligned but one:
 *
 * - a Windows peer's NpiId and ModuleId are its own GUID and NPI_MODULEID;
 * - a native peer's module id is a &struct nmr_module_id, 8-aligned (its
 *   union holds a u64), with the GUID at offset 8;
 * - a native peer's NPI id is its own guid_t, which may sit at any
 *   address.  The layer hands it over as it is, since the instance is the
 *   peer's own, so a Windows module compares it with IsEqualGUID() (a
 *   memcmp(), byte-wise, as on Windows) or copies it with memcpy(), and
 *   does not read it field by field.  Its value is always that of the
 *   module's own NPI id: NMR matches on it.
 *
 * The other way, a GUID read as a guid_t, is always aligned enough.
 */

/**
 * DOC: IRQL
 *
 * The Windows IRQL requirements map onto kernel contexts:
 *
 * - PASSIVE_LEVEL is process context, where the caller may sleep:
 *   NmrRegisterProvider(), NmrRegisterClient(), NmrClientAttachProvider(),
 *   the NmrWaitFor*DeregisterComplete() functions, and the attach callbacks.
 * - <= DISPATCH_LEVEL is any context, including atomic (a spinlock held,
 *   softirq, hard IRQ): NmrDeregisterProvider(), NmrDeregisterClient() and
 *   the two complete functions never sleep.  Detach and cleanup callbacks
 *   run wherever the deregistration or the last complete was called, so
 *   they must not sleep either.
 */
#ifndef _NMR_NETIODDK_H
#define _NMR_NETIODDK_H

#include <linux/types.h>
#include <nmr/nmr.h>
#include <nmr/wdk.h>

typedef GUID NPIID;
typedef const struct _GUID *PNPIID;

/**
 * struct _LUID - LUID, a locally unique id, as Windows lays it out
 * @LowPart: the low 32 bits.
 * @HighPart: the high 32 bits.
 *
 * The if_luid of &struct nmr_module_id, a u64, on a little-endian kernel.
 */
typedef struct _LUID {
	ULONG LowPart;
	LONG HighPart;
} LUID;

/**
 * enum _NPI_MODULEID_TYPE - NPI_MODULEID_TYPE, how a module id names a module
 * @MIT_GUID: by a GUID, in &NPI_MODULEID.Guid (%NMR_MIT_GUID).
 * @MIT_IF_LUID: by an interface LUID, in &NPI_MODULEID.IfLuid
 *	(%NMR_MIT_IF_LUID).
 */
typedef enum _NPI_MODULEID_TYPE {
	MIT_GUID = NMR_MIT_GUID,
	MIT_IF_LUID = NMR_MIT_IF_LUID,
} NPI_MODULEID_TYPE;

/**
 * struct _NPI_MODULEID - NPI_MODULEID, a module's id
 * @Length: sizeof(NPI_MODULEID).
 * @Type: which of @Guid and @IfLuid names the module.
 * @Guid: the module's GUID, for %MIT_GUID.
 * @IfLuid: the interface's LUID, for %MIT_IF_LUID.
 *
 * The layout of Windows (the union at offset 8, 24 bytes) and of &struct
 * nmr_module_id, and its alignment, whose union holds a u64, so that
 * either may be read through a pointer to the other.
 * NmrIsEqualNpiModuleId() compares two.
 */
typedef struct _NPI_MODULEID {
	USHORT Length;
	NPI_MODULEID_TYPE Type;
	union {
		GUID Guid;
		LUID IfLuid;
	};
} __aligned(__alignof__(struct nmr_module_id)) NPI_MODULEID;

typedef const struct _NPI_MODULEID *PNPI_MODULEID;

/**
 * NmrIsEqualNpiModuleId() - whether two module ids name the same module
 * @ModuleId1: a module id.
 * @ModuleId2: another module id.
 *
 * As on Windows: equal when both have the same Type, and the same Guid for
 * MIT_GUID or the same IfLuid for MIT_IF_LUID.  Length is not compared.
 *
 * Context: any context.
 * Return: TRUE if the module ids are equal, else FALSE.
 */
static inline BOOLEAN NmrIsEqualNpiModuleId(_In_ PNPI_MODULEID ModuleId1,
					    _In_ PNPI_MODULEID ModuleId2)
{
	if (ModuleId1->Type != ModuleId2->Type)
		return FALSE;
	switch (ModuleId1->Type) {
	case MIT_GUID:
		return IsEqualGUID(&ModuleId1->Guid, &ModuleId2->Guid);
	case MIT_IF_LUID:
		return ModuleId1->IfLuid.LowPart == ModuleId2->IfLuid.LowPart &&
		       ModuleId1->IfLuid.HighPart == ModuleId2->IfLuid.HighPart;
	default:
		return FALSE;
	}
}

typedef const struct _NPI_REGISTRATION_INSTANCE *PNPI_REGISTRATION_INSTANCE;

/**
 * struct _NPI_REGISTRATION_INSTANCE - NPI_REGISTRATION_INSTANCE, a registration's data
 * @Version: 0.
 * @Size: sizeof(NPI_REGISTRATION_INSTANCE).
 * @NpiId: the NPI; NMR matches registrations on its value.
 * @ModuleId: the registering module's id; optional.
 * @Number: a number for the module's own use.
 * @NpiSpecificCharacteristics: NPI-defined; optional.
 *
 * Laid out like &struct nmr_registration_instance, field for field.
 */
typedef struct _NPI_REGISTRATION_INSTANCE {
	USHORT Version;
	USHORT Size;
	PNPIID NpiId;
	PNPI_MODULEID ModuleId;
	ULONG Number;
	const void *NpiSpecificCharacteristics;
} NPI_REGISTRATION_INSTANCE;

/*
 * The callback types, annotated as in the WDK's netioddk.h.  The
 * characteristics use them directly; their pointer types (PNPI_*_FN)
 * follow, for ported code.
 */
typedef _IRQL_requires_max_(PASSIVE_LEVEL) _Function_class_(NPI_CLIENT_ATTACH_PROVIDER_FN)
NTSTATUS NTAPI
NPI_CLIENT_ATTACH_PROVIDER_FN(_In_ HANDLE NmrBindingHandle, _In_ PVOID ClientContext,
			      _In_ PNPI_REGISTRATION_INSTANCE ProviderRegistrationInstance);
typedef _IRQL_requires_max_(DISPATCH_LEVEL) _Function_class_(NPI_CLIENT_DETACH_PROVIDER_FN)
NTSTATUS NTAPI NPI_CLIENT_DETACH_PROVIDER_FN(_In_ PVOID ClientBindingContext);
typedef _IRQL_requires_max_(DISPATCH_LEVEL)
_Function_class_(NPI_CLIENT_CLEANUP_BINDING_CONTEXT_FN)
VOID NTAPI NPI_CLIENT_CLEANUP_BINDING_CONTEXT_FN(_In_ PVOID ClientBindingContext);

typedef _IRQL_requires_max_(PASSIVE_LEVEL) _Function_class_(NPI_PROVIDER_ATTACH_CLIENT_FN)
NTSTATUS NTAPI
NPI_PROVIDER_ATTACH_CLIENT_FN(_In_ HANDLE NmrBindingHandle, _In_ PVOID ProviderContext,
			      _In_ PNPI_REGISTRATION_INSTANCE ClientRegistrationInstance,
			      _In_ PVOID ClientBindingContext, _In_ const void *ClientDispatch,
			      _Out_ void **ProviderBindingContext,
			      _Out_ const void **ProviderDispatch);
typedef _IRQL_requires_max_(DISPATCH_LEVEL) _Function_class_(NPI_PROVIDER_DETACH_CLIENT_FN)
NTSTATUS NTAPI NPI_PROVIDER_DETACH_CLIENT_FN(_In_ PVOID ProviderBindingContext);
typedef _IRQL_requires_max_(DISPATCH_LEVEL)
_Function_class_(NPI_PROVIDER_CLEANUP_BINDING_CONTEXT_FN)
VOID NTAPI NPI_PROVIDER_CLEANUP_BINDING_CONTEXT_FN(_In_ PVOID ProviderBindingContext);

typedef const struct _NPI_CLIENT_CHARACTERISTICS *PNPI_CLIENT_CHARACTERISTICS;

/**
 * struct _NPI_CLIENT_CHARACTERISTICS - NPI_CLIENT_CHARACTERISTICS
 * @Version: 0.
 * @Length: sizeof(NPI_CLIENT_CHARACTERISTICS).
 * @ClientAttachProvider: offered each provider of the NPI; required.
 * @ClientDetachProvider: a binding is being detached; required.
 * @ClientCleanupBindingContext: both sides have detached; optional.
 * @ClientRegistrationInstance: the client's registration data.
 *
 * What NmrRegisterClient() registers; a thunk stands between it and the
 * native &struct nmr_client_characteristics ("Thunks" above).
 */
typedef struct _NPI_CLIENT_CHARACTERISTICS {
	USHORT Version;
	USHORT Length;
	NPI_CLIENT_ATTACH_PROVIDER_FN *ClientAttachProvider;
	NPI_CLIENT_DETACH_PROVIDER_FN *ClientDetachProvider;
	NPI_CLIENT_CLEANUP_BINDING_CONTEXT_FN *ClientCleanupBindingContext;
	NPI_REGISTRATION_INSTANCE ClientRegistrationInstance;
} NPI_CLIENT_CHARACTERISTICS;

typedef const struct _NPI_PROVIDER_CHARACTERISTICS *PNPI_PROVIDER_CHARACTERISTICS;

/**
 * struct _NPI_PROVIDER_CHARACTERISTICS - NPI_PROVIDER_CHARACTERISTICS
 * @Version: 0.
 * @Length: sizeof(NPI_PROVIDER_CHARACTERISTICS).
 * @ProviderAttachClient: called by NmrClientAttachProvider(); required.
 * @ProviderDetachClient: a binding is being detached; required.
 * @ProviderCleanupBindingContext: both sides have detached; optional.
 * @ProviderRegistrationInstance: the provider's registration data.
 *
 * What NmrRegisterProvider() registers; a thunk stands between it and the
 * native &struct nmr_provider_characteristics ("Thunks" above).
 */
typedef struct _NPI_PROVIDER_CHARACTERISTICS {
	USHORT Version;
	USHORT Length;
	NPI_PROVIDER_ATTACH_CLIENT_FN *ProviderAttachClient;
	NPI_PROVIDER_DETACH_CLIENT_FN *ProviderDetachClient;
	NPI_PROVIDER_CLEANUP_BINDING_CONTEXT_FN *ProviderCleanupBindingContext;
	NPI_REGISTRATION_INSTANCE ProviderRegistrationInstance;
} NPI_PROVIDER_CHARACTERISTICS;

typedef NPI_CLIENT_ATTACH_PROVIDER_FN *PNPI_CLIENT_ATTACH_PROVIDER_FN;
typedef NPI_CLIENT_DETACH_PROVIDER_FN *PNPI_CLIENT_DETACH_PROVIDER_FN;
typedef NPI_CLIENT_CLEANUP_BINDING_CONTEXT_FN *PNPI_CLIENT_CLEANUP_BINDING_CONTEXT_FN;
typedef NPI_PROVIDER_ATTACH_CLIENT_FN *PNPI_PROVIDER_ATTACH_CLIENT_FN;
typedef NPI_PROVIDER_DETACH_CLIENT_FN *PNPI_PROVIDER_DETACH_CLIENT_FN;
typedef NPI_PROVIDER_CLEANUP_BINDING_CONTEXT_FN *PNPI_PROVIDER_CLEANUP_BINDING_CONTEXT_FN;

NTSTATUS __NmrRegisterProvider(PNPI_PROVIDER_CHARACTERISTICS ProviderCharacteristics,
			       PVOID ProviderContext, PHANDLE NmrProviderHandle,
			       struct module *owner);
NTSTATUS __NmrRegisterClient(PNPI_CLIENT_CHARACTERISTICS ClientCharacteristics,
			     PVOID ClientContext, PHANDLE NmrClientHandle,
			     struct module *owner);

/**
 * NmrRegisterProvider() - register a provider of an NPI
 * @ProviderCharacteristics: the provider's characteristics; must stay
 *	valid, with everything they point to, until the deregistration is
 *	complete.
 * @ProviderContext: passed to the ProviderAttachClient callback.
 * @NmrProviderHandle: receives the registration handle, before the first
 *	attach, so the attach callbacks may already find it there.
 *
 * The calling module (THIS_MODULE) is recorded as the owner.  See
 * __NmrRegisterProvider().
 */
#define NmrRegisterProvider(ProviderCharacteristics, ProviderContext, NmrProviderHandle) \
	__NmrRegisterProvider(ProviderCharacteristics, ProviderContext, NmrProviderHandle, \
			      THIS_MODULE)

/**
 * NmrRegisterClient() - register a client of an NPI
 * @ClientCharacteristics: the client's characteristics; must stay valid,
 *	with everything they point to, until the deregistration is complete.
 * @ClientContext: passed to the ClientAttachProvider callback.
 * @NmrClientHandle: receives the registration handle, before the first
 *	attach, so the attach callbacks may already find it there.
 *
 * The calling module (THIS_MODULE) is recorded as the owner.  See
 * __NmrRegisterClient().
 */
#define NmrRegisterClient(ClientCharacteristics, ClientContext, NmrClientHandle) \
	__NmrRegisterClient(ClientCharacteristics, ClientContext, NmrClientHandle, \
			    THIS_MODULE)

_IRQL_requires_max_(DISPATCH_LEVEL)
NTSTATUS NmrDeregisterProvider(_In_ HANDLE NmrProviderHandle);
_IRQL_requires_max_(PASSIVE_LEVEL)
NTSTATUS NmrWaitForProviderDeregisterComplete(_In_ HANDLE NmrProviderHandle);

_IRQL_requires_max_(DISPATCH_LEVEL)
NTSTATUS NmrDeregisterClient(_In_ HANDLE NmrClientHandle);
_IRQL_requires_max_(PASSIVE_LEVEL)
NTSTATUS NmrWaitForClientDeregisterComplete(_In_ HANDLE NmrClientHandle);

_IRQL_requires_max_(PASSIVE_LEVEL)
NTSTATUS NmrClientAttachProvider(_In_ HANDLE NmrBindingHandle,
				 _In_ __drv_aliasesMem PVOID ClientBindingContext,
				 _In_ const void *ClientDispatch,
				 _Out_ PVOID *ProviderBindingContext,
				 _Out_ const void **ProviderDispatch);

/**
 * NmrProviderDetachClientComplete() - finish a provider's pending detach
 * @NmrBindingHandle: the binding whose ProviderDetachClient callback
 *	returned STATUS_PENDING.
 *
 * nmr_provider_detach_client_complete() under its Windows name.
 *
 * Context: any context, including hard IRQ; does not sleep.  The cleanup
 * callbacks may run on this thread before it returns.
 */
static inline void NmrProviderDetachClientComplete(_In_ HANDLE NmrBindingHandle)
{
	nmr_provider_detach_client_complete(NmrBindingHandle);
}

/**
 * NmrClientDetachProviderComplete() - finish a client's pending detach
 * @NmrBindingHandle: the binding whose ClientDetachProvider callback
 *	returned STATUS_PENDING.
 *
 * nmr_client_detach_provider_complete() under its Windows name.
 *
 * Context: any context, including hard IRQ; does not sleep.  The cleanup
 * callbacks may run on this thread before it returns.
 */
static inline void NmrClientDetachProviderComplete(_In_ HANDLE NmrBindingHandle)
{
	nmr_client_detach_provider_complete(NmrBindingHandle);
}

#endif /* _NMR_NETIODDK_H */
