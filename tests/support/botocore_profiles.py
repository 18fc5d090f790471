"""How botocore (the AWS CLI) reads a profile: the reference reader of the config parity tests.

Reads JSON on stdin, a list of cases {"config": PATH, "credentials": PATH, "profile": NAME}, and
prints one JSON list with a result per case. One process serves the whole corpus, because Python and
botocore take longer to start than the corpus takes to read.

The shared files are read with botocore's own functions: the config file with
botocore.configloader.load_config (raw_config_parse + build_profile_map), the credentials file with
raw_config_parse, and the credentials file's sections merged into the profiles exactly as
botocore.session.Session.full_config merges them (a credentials section updates, or creates, the
profile of the same name). Any exception there means the AWS CLI cannot read the files at all.

Result of a case:
  error            "<class>: <message>" when botocore cannot read the files (else absent)
  configError      the config file's own parse error, or null
  credentialsError the credentials file's own parse error, or null
  exists           whether the profile exists (config or credentials file)
  target           the merged profile (nested sub-sections are dicts), or null
  sourceName       the target's vegas_source_profile when it is a string, else null
  source           the merged source profile, or null
  sourceConfig     the source profile as the config file alone has it, or null
  sourceCredentials  the source's credentials-file section alone, or null
  configOnlyTarget the target as the config file alone has it (what other SDKs' loaders compare to)

Run with Debian's interpreter and UTF-8 mode: PYTHONUTF8=1 /usr/bin/python3 botocore_profiles.py
"""

import json
import sys

try:
    from botocore import configloader, exceptions
except ImportError:
    # Without python3-botocore: the copy of botocore inside Debian's awscli package, the code the
    # AWS CLI itself runs (same configloader; its errors do not carry the cause). Importing awscli
    # makes the name `botocore` import that copy, so the exception classes are the ones it raises.
    import awscli  # noqa: F401
    from botocore import configloader, exceptions

# Messages of configparser errors quote the offending line, which may be megabytes long.
MAX_MESSAGE = 300


def describe(error):
    """'<class>: <message>' of a read error, with the configparser error behind it."""
    text = f"{type(error).__name__}: {error}"
    inner = getattr(error, "kwargs", {}).get("error")
    if inner is not None:
        text += f" ({type(inner).__name__}: {inner})"
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "..."


def error_line(error):
    """Line number of a configparser error, when it has one."""
    inner = getattr(error, "kwargs", {}).get("error")
    if getattr(inner, "lineno", None) is not None:
        return inner.lineno
    errors = getattr(inner, "errors", None)
    return errors[0][0] if errors else None


def read(reader, path):
    """(parsed, error): a missing file reads as nothing, as botocore treats it."""
    try:
        return reader(path), None
    except exceptions.ConfigNotFound:
        return None, None
    except Exception as error:  # noqa: BLE001 - any failure means the CLI cannot read the file
        return None, error


def resolve(case):
    config, config_error = read(configloader.load_config, case["config"])
    credentials, credentials_error = read(configloader.raw_config_parse, case["credentials"])
    config_profiles = (config or {}).get("profiles", {})
    # The config file's own view, before the merge below mutates the profiles.
    config_only = {name: dict(values) for name, values in config_profiles.items()}
    profile = case["profile"]
    result = {
        "configError": describe(config_error) if config_error else None,
        "configErrorLine": error_line(config_error) if config_error else None,
        "credentialsError": describe(credentials_error) if credentials_error else None,
        "credentialsErrorLine": error_line(credentials_error) if credentials_error else None,
        "configOnlyTarget": config_only.get(profile),
    }
    # Session.full_config reads the config file first, then the credentials file.
    first_error = config_error or credentials_error
    if first_error:
        result["error"] = describe(first_error)
        return result

    # Session.full_config's merge (it mutates the parsed config; so does this, on our own copy).
    profiles = config_profiles
    credential_sections = credentials or {}
    for name, values in credential_sections.items():
        if name not in profiles:
            profiles[name] = values
        else:
            profiles[name].update(values)

    target = profiles.get(profile)
    source_name = target.get("vegas_source_profile") if target else None
    if not isinstance(source_name, str):
        source_name = None
    result.update(
        {
            "exists": target is not None,
            "target": target,
            "sourceName": source_name,
            "source": profiles.get(source_name) if source_name is not None else None,
            "sourceConfig": config_only.get(source_name) if source_name is not None else None,
            "sourceCredentials": (
                credential_sections.get(source_name) if source_name is not None else None
            ),
        }
    )
    return result


def main():
    cases = json.load(sys.stdin)
    json.dump([resolve(case) for case in cases], sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
