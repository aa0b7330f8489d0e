/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* user space has no KUnit: no static stubs */
#define KUNIT_STATIC_STUB_REDIRECT(real_fn_name, args...) ((void)(real_fn_name))
