"""Writes the saved emails tests/data/*.eml that the intake tests read (run it to make
them again: `python tests/data/make_emails.py`; MIME boundaries differ on each run, the
messages do not). They are real files as a mail program saves them: multipart with
attachments, HTML only, ISO-8859-1 (Windows-1252 really), forwarded inline and as an
attachment, replies by reference and by thread, winmail.dat, an unknown charset, no body,
an unknown sender, and a file that is not an email."""
from email.message import EmailMessage
from email import policy
from pathlib import Path
out = Path(__file__).resolve().parent
D = "ashcombe-tc.example.org"

def write(name, data):
    if isinstance(data, str):
        data = data.replace("\n", "\r\n").encode("ascii")
    (out / name).write_bytes(data)

# 1. multipart with attachments (plain + html alternative, a PDF, a PNG, a CSV)
m = EmailMessage(policy=policy.SMTP)
m["From"] = f"Cllr Priya Raman <Cllr.Priya.Raman@{D}>"
m["To"] = f"Helen Marsh <helen.marsh@{D}>"
m["Subject"] = "Costs of the Millbrook play area refurbishment"
m["Date"] = "Mon, 02 Mar 2026 09:41:07 +0000"
m["Message-ID"] = "<20260302094107.4711@mail.ashcombe-tc.example.org>"
m.set_content("Dear Helen,\n\nCould you let me have the figures for the Millbrook play area "
              "refurbishment: the cost of each quote received, and the budget line it comes "
              "from? The residents' group has asked me how much has been spent so far.\n\n"
              "I attach the quote they sent me and the site plan.\n\nKind regards,\nPriya\n"
              "Cllr Priya Raman, Millbrook ward\n")
m.add_alternative("<html><body><p>Dear Helen,</p><p>Could you let me have the figures for the "
                  "Millbrook play area refurbishment: the cost of each quote received, and the "
                  "budget line it comes from? The residents' group has asked me how much has "
                  "been spent so far.</p><p>I attach the quote they sent me and the site plan."
                  "</p><p>Kind regards,<br>Priya<br>Cllr Priya Raman, Millbrook ward</p>"
                  "</body></html>", subtype="html")
pdf = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>"
       b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n") + b"Quote: Playsafe Ltd, 12,400.00 GBP\n" * 40
m.add_attachment(pdf, maintype="application", subtype="pdf", filename="Playsafe quote 2026.pdf")
png = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000050001"
                    "0d0a2db40000000049454e44ae426082")
m.add_attachment(png, maintype="image", subtype="png", filename="site-plan.png")
m.add_attachment("Item,Cost\nSwings,4200\nSurfacing,8200\n", subtype="csv", filename="costs.csv")
write("request_multipart.eml", m.as_bytes())

# 2. HTML only
write("request_html_only.eml", f"""From: "Cllr Janet Pryce" <cllr.janet.pryce@{D}>
To: helen.marsh@{D}
Subject: Fly-tipping behind the Abbey car park
Date: Tue, 03 Mar 2026 18:02:55 +0000
Message-ID: <CAHtml0001.pryce@mail.example.org>
MIME-Version: 1.0
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

<!DOCTYPE html><html><head><title>Fly-tipping</title><style>p {{ color: #333; }}</style>
<script>alert('x')</script></head><body>
<p>Dear Helen,</p>
<p>Residents in my ward have sent me photos of fly-tipping behind the Abbey car park=
 again: a mattress, bags of garden waste &amp; an old fridge.</p>
<ul><li>Could the district council&#39;s street scene team be asked to clear it?</li>
<li>Is there CCTV covering that corner?</li></ul>
<p>The photos are on the <a href=3D"https://photos.example.org/abbey">residents' page</a>.</p>
<p>Thanks,<br>Janet</p>
</body></html>
""")

# 3. latin-1, quoted-printable, an encoded subject
body = ("Dear Helen,\n\nCould you tell me how much the café on the Abbey Green pays for its "
        "licence, and whether the £250 fee was raised this year?\n\nMerci,\nFiona\n")
import quopri
qp = quopri.encodestring(body.replace("\n", "\r\n").encode("latin-1")).decode("ascii")
write("request_latin1.eml", (f"""From: Cllr Fiona McAllister <cllr.fiona.mcallister@{D}>
To: helen.marsh@{D}
Subject: =?iso-8859-1?Q?Caf=E9_licence_fee_=96_how_much_is_it=3F?=
Date: Wed, 04 Mar 2026 08:15:00 +0000
Message-ID: <latin1.0042@mail.example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

""" ).replace("\n", "\r\n").encode("ascii") + qp.encode("ascii"))

# 4. forwarded inline by the clerk (Gmail style)
write("forwarded_by_clerk.eml", f"""From: Helen Marsh <helen.marsh@{D}>
To: Helen Marsh <helen.marsh@{D}>
Subject: Fwd: Officer at our group meeting on the budget
Date: Thu, 05 Mar 2026 11:20:00 +0000
Message-ID: <fwd.20260305.1120@mail.ashcombe-tc.example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"

To log, please.

---------- Forwarded message ---------
From: Cllr Susan Whitlock <cllr.susan.whitlock@{D}>
Date: Mon, 2 Mar 2026 at 10:15
Subject: Officer at our group meeting on the budget
To: Helen Marsh <helen.marsh@{D}>


Dear Helen,

The Conservative Group would like the RFO to attend our group meeting on
16 March to brief us on the budget, as she did for the Liberal Democrat Group.

Regards,
Susan
""")

# 5. a reply about REQ-2026-0042
write("reply_REQ-2026-0042.eml", f"""From: Cllr Margaret Ellison <cllr.margaret.ellison@{D}>
To: Helen Marsh <helen.marsh@{D}>
Subject: Re: [REQ-2026-0042] Cost of the Christmas lights contract
Date: Fri, 06 Mar 2026 16:45:10 +0000
Message-ID: <reply.0042.ellison@mail.example.org>
In-Reply-To: <letter.0042@ashcombe-tc.example.org>
References: <letter.0042@ashcombe-tc.example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit

Thank you, Helen. The figures for 2024 are enough for now; the 2023 ones
can wait until the committee meets.

Margaret

On 5 Mar 2026, at 09:00, Helen Marsh <helen.marsh@{D}> wrote:
> Dear Cllr Ellison, we will send the figures by 12 March.
""")

# 6. winmail.dat
m = EmailMessage(policy=policy.SMTP)
m["From"] = f"Cllr David Okafor <cllr.david.okafor@{D}>"
m["To"] = f"helen.marsh@{D}"
m["Subject"] = "Agenda papers for the Policy & Resources Committee"
m["Date"] = "Mon, 09 Mar 2026 07:30:00 +0000"
m["Message-ID"] = "<winmail.okafor@exchange.example.org>"
m.set_content("Please see the attached papers.\n")
m.add_attachment(b"\x78\x9f\x3e\x22" + b"\x00" * 60 + b"TNEF body", maintype="application",
                 subtype="ms-tnef", filename="winmail.dat")
write("winmail.eml", m.as_bytes())

# 7. not an email
write("not_an_email.eml", "Shopping list\n- milk\n- bread\n- stamps for the council post\n")

# 8. unknown sender
write("unknown_sender.eml", """From: A Resident <resident1977@mail.example.net>
To: helen.marsh@ashcombe-tc.example.org
Subject: Bins on Castle Street
Date: Tue, 10 Mar 2026 12:00:00 +0000
Message-ID: <resident.1977@mail.example.net>

The bins on Castle Street were not emptied this week.
""")

# 9. no body
write("no_body.eml", f"""From: Cllr Robert Finch <cllr.robert.finch@{D}>
To: helen.marsh@{D}
Subject: 
Date: Wed, 11 Mar 2026 12:00:00 +0000
Message-ID: <empty.finch@mail.example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"


""")

# 10. a character set Python does not know
write("unknown_charset.eml", (f"""From: Cllr Tom Haworth <cllr.tom.haworth@{D}>
To: helen.marsh@{D}
Subject: Street lights on Castle Street
Date: Thu, 12 Mar 2026 12:00:00 +0000
Message-ID: <charset.haworth@mail.example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset="x-mac-klingon"
Content-Transfer-Encoding: 8bit

""").replace("\n", "\r\n").encode("ascii") + b"Street lights \xe9\xff\xfe\x81 out since Monday.\r\n")

# 11. a complaint about an officer
write("complaint_about_officer.eml", f"""From: Cllr Robert Finch <cllr.robert.finch@{D}>
To: helen.marsh@{D}
Subject: Formal complaint about the Facilities Manager
Date: Fri, 13 Mar 2026 09:05:00 +0000
Message-ID: <complaint.finch.20260313@mail.example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"

Dear Helen,

I wish to make a formal complaint about the way Mark Ingram spoke to me at
the allotments on Tuesday in front of two tenants. It was rude and
unacceptable.

Robert Finch
""")

# 12. forwarded as an attachment (message/rfc822) with an attachment inside
inner = EmailMessage(policy=policy.SMTP)
inner["From"] = f"Cllr Aisha Patel <cllr.aisha.patel@{D}>"
inner["To"] = f"helen.marsh@{D}"
inner["Subject"] = "Motion on the twinning association grant"
inner["Date"] = "Mon, 16 Mar 2026 20:10:00 +0000"
inner["Message-ID"] = "<motion.patel.20260316@mail.example.org>"
inner.set_content("Helen,\n\nCould the Monitoring Officer advise on the wording of the attached "
                  "draft motion before I give notice of it?\n\nAisha\n")
inner.add_attachment("Notice of motion: that the Council awards ...\n", subtype="plain",
                     filename="draft motion.txt")
outer = EmailMessage(policy=policy.SMTP)
outer["From"] = f"Helen Marsh <helen.marsh@{D}>"
outer["To"] = f"helen.marsh@{D}"
outer["Subject"] = "Fwd: Motion on the twinning association grant"
outer["Date"] = "Tue, 17 Mar 2026 08:00:00 +0000"
outer["Message-ID"] = "<fwd.attach.20260317@mail.ashcombe-tc.example.org>"
outer.set_content("Forwarded as an attachment.\n")
outer.add_attachment(inner)
write("forwarded_as_attachment.eml", outer.as_bytes())
print("ok")

# 13. a reply that carries no reference, only the thread (In-Reply-To the first email)
write("reply_by_thread.eml", f"""From: Cllr Priya Raman <cllr.priya.raman@{D}>
To: Helen Marsh <helen.marsh@{D}>
Subject: Re: Costs of the Millbrook play area refurbishment
Date: Tue, 03 Mar 2026 10:02:00 +0000
Message-ID: <20260303100200.4712@mail.ashcombe-tc.example.org>
In-Reply-To: <20260302094107.4711@mail.ashcombe-tc.example.org>
References: <20260302094107.4711@mail.ashcombe-tc.example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"

One more thing: could the figures include the surfacing repairs of 2024?

Priya
""")
