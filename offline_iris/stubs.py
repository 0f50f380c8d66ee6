"""What the generated ObjectScript stub methods do, run in Python.

docs/pyprod-runtime.md §1.4 / §2.1: each stub calls one pyprod helper on ``..PythonClassObject`` (or, for a
BusinessProcess, on a *fresh* ``PyLib.Cls($this)`` per callback, docs/pyprod-runtime.md §3), copies ``status``
and the ``response``/``pOutput`` out of the returned dict, and wraps everything in ``try/catch`` so that a
Python exception becomes ``$system.Status.Error(5001, e.AsSystemError())`` plus ``$$$LOGERROR``.
The methods are attached to the emulated class only when the parsed ``.cls`` has them, so a method the
loader did not generate does not exist offline either.
"""

from __future__ import annotations

import importlib
import traceback
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional

from . import status as st
from .clsparse import ClassDef, MethodDef

if TYPE_CHECKING:
    from .namespace import Namespace


def system_error_text(e: BaseException) -> str:
    """``e.AsSystemError()`` for a Python exception [format unverified]."""
    return f"<PYTHON EXCEPTION> 246 <class '{type(e).__name__}'>: {e}"


def _fail(host: Any, method: str, e: BaseException, prefix: str = "") -> Any:
    status = st.ErrorStatus(5001, system_error_text(e))
    ns = host._o_ns
    ns.log("Error", host._o_cdef.name, method, prefix + status.error_text())
    hook = getattr(ns.engine, "on_python_exception", None)
    if hook is not None:
        hook(host, method, e, traceback.format_exc())
    return status


def _set(ref: Any, value: Any) -> None:
    if ref is not None and hasattr(ref, "value"):
        ref.value = value


def _read(arr: Any, out_ref: Any, flag: str, key: str) -> Any:
    status = arr["status"]
    if arr[flag]:
        _set(out_ref, arr[key])
    return status


def _python_object(host: Any) -> Any:
    obj = host._o_props.get("PythonClassObject")
    if obj is None or obj == "":
        raise AttributeError("<INVALID OREF> PythonClassObject is not set (OnInit failed or not run)")
    return obj


# Text that only pyprod's generated method bodies contain (its helpers, its import, its properties).
_PYPROD_MARKERS = ("intersystems_pyprod", "PythonClassObject", "SerializedStream", "%SYS.Python")


def generated_by_pyprod(meth: MethodDef) -> bool:
    """Is this one of the methods pyprod's loader writes (as opposed to ObjectScript written by hand)?"""
    return bool(meth.helper) or any(marker in meth.body for marker in _PYPROD_MARKERS)


def objectscript_error(cdef: ClassDef, meth: MethodDef) -> st.ErrorStatus:
    return st.ErrorStatus(
        5001,
        f"offline runtime: {cdef.name}:{meth.name} is a hand-written ObjectScript method; the offline "
        "runtime runs only the methods pyprod generates (it does not interpret ObjectScript). Run this "
        "class on IRIS, or write the method in Python with pyprod",
    )


def objectscript_method(cdef: ClassDef, meth: MethodDef) -> Callable[..., Any]:
    """A hand-written ObjectScript method: calling it logs an Event Log error and returns an error
    status that says why, instead of silently doing nothing or falling back to a built-in default."""

    def not_interpreted(self: Any, *args: Any, **kwargs: Any) -> Any:
        status = objectscript_error(cdef, meth)
        self._o_ns.log("Error", cdef.name, meth.name, status.error_text())
        return status

    not_interpreted.__name__ = meth.name
    return not_interpreted


def make_stub(cdef: ClassDef, meth: MethodDef) -> Optional[Callable[..., Any]]:
    """Build the Python method that behaves like one generated stub."""
    h = meth.helper
    name = meth.name
    if not generated_by_pyprod(meth):
        return objectscript_method(cdef, meth)

    if name == "OnInit":
        script_path, script_name, py_cls = cdef.script
        is_bp = "PythonModuleOrScript" in cdef.properties

        def OnInit(self: Any) -> Any:  # noqa: N802
            try:
                pyprod = importlib.import_module("intersystems_pyprod")
                pyprod._add_to_sys_path(script_path)
                if not is_bp:
                    mod = importlib.import_module(script_name)
                    self._o_props["PythonClassObject"] = getattr(mod, py_cls)(self)
                note = getattr(self._o_ns.engine, "note_module", None)
                if note is not None:
                    note(self, script_name)
            except Exception as e:
                return _fail(self, "OnInit", e, f"Error while importing the class {py_cls}: ")
            return 1

        return OnInit

    if name == "OnTearDown":

        def OnTearDown(self: Any) -> Any:  # noqa: N802
            if "PythonClassObject" in self._o_props:
                self._o_props["PythonClassObject"] = ""
            return 1

        return OnTearDown

    if h == "OnTaskHelper":

        def OnTask(self: Any) -> Any:  # noqa: N802
            try:
                return _python_object(self).OnTaskHelper()
            except Exception as e:
                return _fail(self, name, e)

        return OnTask

    if h == "OnProcessInputHelper":

        def OnProcessInput(self: Any, pInput: Any, pOutput: Any = None) -> Any:  # noqa: N802,N803
            try:
                arr = _python_object(self).OnProcessInputHelper(pInput)
                return _read(arr, pOutput, "pOutput_available", "pOutput")
            except Exception as e:
                return _fail(self, name, e)

        return OnProcessInput

    if h in ("OnRequestHelper", "OnResponseHelper"):

        def _fresh(self: Any) -> Any:
            mod = importlib.import_module(self._o_props["PythonModuleOrScript"])
            return getattr(mod, self._o_props["PythonClassName"])(self)

        if h == "OnRequestHelper":

            def OnRequest(self: Any, request: Any, response: Any = None) -> Any:  # noqa: N802
                try:
                    arr = _fresh(self).OnRequestHelper(request)
                    return _read(arr, response, "response_available", "response")
                except Exception as e:
                    return _fail(self, name, e, "ERROR IN BP")

            return OnRequest

        def OnResponse(
            self: Any,
            request: Any,
            response: Any,
            callrequest: Any,
            callresponse: Any,  # noqa: N802
            pCompletionKey: Any,
        ) -> Any:  # noqa: N803
            try:
                cur = response.value if hasattr(response, "value") else response
                arr = _fresh(self).OnResponseHelper(request, cur, callrequest, callresponse, pCompletionKey)
                return _read(arr, response, "response_available", "response")
            except Exception as e:
                return _fail(self, name, e)

        return OnResponse

    if h == "OnMessageHelper":

        def OnMessage(self: Any, pRequest: Any, pResponse: Any = None) -> Any:  # noqa: N802,N803
            try:
                cur = pResponse.value if hasattr(pResponse, "value") else pResponse
                arr = _python_object(self).OnMessageHelper(pRequest, "" if cur is None else cur)
                return _read(arr, pResponse, "response_available", "response")
            except Exception as e:
                return _fail(self, name, e)

        return OnMessage

    if h == "AnyMethodHelper":
        py_name = meth.py_name

        def any_method(self: Any, arg: Any, pResponse: Any = None) -> Any:  # noqa: N803
            try:
                arr = _python_object(self).AnyMethodHelper(arg, py_name)
                return _read(arr, pResponse, "response_available", "response")
            except Exception as e:
                return _fail(self, name, e)

        any_method.__name__ = name
        return any_method
    return None


def stub_methods(ns: Namespace, cdef: ClassDef) -> Dict[str, Any]:
    """type_extras hook: stub methods for every non-built-in class in the MRO (subclass wins)."""
    out: Dict[str, Any] = {}
    for c in reversed(ns.registry.mro(cdef.name)):
        if c.builtin:
            continue
        for m in c.methods.values():
            fn = make_stub(c, m)
            if fn is not None:
                out[m.name] = fn
    return out
