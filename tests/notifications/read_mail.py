#!/usr/bin/python3
"""Reads stored e-mails with Python's own email parser (an independent MIME
reader, so the tests don't check the service's MIME with the service's code)
and prints one JSON object per file, one per line:
  {"file","envelope_to","to","from","subject","message_id","event","delivery",
   "text","attachments":[{"filename","content_type","size","md5","path"}]}
Attachments are written to <file>.<n>.<ext> beside the message.

    read_mail.py FILE...
"""
import email
import email.policy
import hashlib
import json
import sys


def read(path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    out = {
        "file": path,
        "envelope_to": str(msg.get("X-Envelope-To", "")),
        "to": str(msg.get("To", "")),
        "from": str(msg.get("From", "")),
        "subject": str(msg.get("Subject", "")),
        "message_id": str(msg.get("Message-ID", "")),
        "event": str(msg.get("X-Switchboard-Event", "")),
        "delivery": str(msg.get("X-Switchboard-Delivery", "")),
        "text": "",
        "attachments": [],
    }
    body = msg.get_body(preferencelist=("plain",))
    if body is not None:
        out["text"] = body.get_content()
    for n, part in enumerate(msg.iter_attachments()):
        data = part.get_payload(decode=True) or b""
        name = part.get_filename() or ""
        dest = "%s.%d.%s" % (path, n, name.rsplit(".", 1)[-1] if "." in name else "bin")
        with open(dest, "wb") as f:
            f.write(data)
        out["attachments"].append({"filename": name, "content_type": part.get_content_type(),
                                   "size": len(data), "md5": hashlib.md5(data).hexdigest(), "path": dest})
    return out


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(json.dumps(read(p)))
