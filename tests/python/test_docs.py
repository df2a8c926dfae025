"""help(roro.X) is useful: every public function, class, method and property has a docstring."""

import inspect

import roro


def public_members(cls):
    """Public methods and properties defined by roro (constructors are documented on the class;
    pybind11's own enum members `name` and `value` are not roro's)."""
    for name, member in vars(cls).items():
        if name.startswith("_") or (issubclass(cls, roro.CallbackReturn) and name in ("name", "value")):
            continue
        yield name, member


def test_every_public_name_has_a_docstring():
    missing = []
    for name in roro.__all__:
        obj = getattr(roro, name)
        if not (inspect.getdoc(obj) or "").strip():
            missing.append(name)
        if inspect.isclass(obj):
            for member_name, member in public_members(obj):
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                doc = getattr(member, "__doc__", None)
                if callable(member) or isinstance(member, property):
                    if not (doc or "").strip():
                        missing.append(f"{name}.{member_name}")
    assert not missing, "no docstring: " + ", ".join(missing)


def test_function_docs_name_their_errors_and_returns():
    for function in (roro.build, roro.certify, roro.from_arrays, roro.simulate, roro.train, roro.evaluate):
        doc = inspect.getdoc(function)
        assert "Returns" in doc or "Raises" in doc, function.__name__
