"""Demo knowledge base: three categories and a handful of articles in all five languages."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from portico.access.models import PortalProfile
from portico.crm.models import Contact
from portico.knowledge.models import Article, ArticleTranslation, ArticleVote, Category

CATEGORIES = {
    "getting-started": {
        "en": "Getting started",
        "fi": "Aloitus",
        "sv": "Kom igång",
        "nb": "Kom i gang",
        "es": "Primeros pasos",
    },
    "billing": {"en": "Billing", "fi": "Laskutus", "sv": "Fakturering", "nb": "Fakturering", "es": "Facturación"},
    "support": {"en": "Support", "fi": "Tuki", "sv": "Support", "nb": "Brukerstøtte", "es": "Soporte"},
}

# slug: (category, visibility, status, {language: (title, summary, body)})
ARTICLES = {
    "reset-your-password": (
        "getting-started",
        Article.Visibility.PUBLIC,
        Article.Status.PUBLISHED,
        {
            "en": (
                "Reset your password",
                "Forgot your password? Ask for a reset link on the sign-in page.",
                "1. Open the portal's sign-in page and choose **Forgot your password?**\n"
                "2. Type the email address you sign in with.\n"
                "3. Open the link in the email within an hour and choose a new password.\n\n"
                "The link works once. If no email arrives, check your spam folder or ask your company's key contact.",
            ),
            "fi": (
                "Salasanan vaihtaminen",
                "Unohditko salasanasi? Pyydä vaihtolinkki kirjautumissivulta.",
                "1. Avaa portaalin kirjautumissivu ja valitse **Unohditko salasanasi?**\n"
                "2. Kirjoita sähköpostiosoite, jolla kirjaudut.\n"
                "3. Avaa sähköpostin linkki tunnin kuluessa ja valitse uusi salasana.\n\n"
                "Linkki toimii kerran. Jos viestiä ei tule, katso roskapostikansio "
                "tai kysy yrityksesi yhteyshenkilöltä.",
            ),
            "sv": (
                "Återställ ditt lösenord",
                "Glömt lösenordet? Be om en återställningslänk på inloggningssidan.",
                "1. Öppna portalens inloggningssida och välj **Glömt lösenordet?**\n"
                "2. Skriv e-postadressen du loggar in med.\n"
                "3. Öppna länken i e-postmeddelandet inom en timme och välj ett nytt lösenord.\n\n"
                "Länken fungerar en gång. Kommer inget meddelande, titta i skräpposten eller fråga din kontaktperson.",
            ),
            "nb": (
                "Tilbakestill passordet ditt",
                "Glemt passordet? Be om en lenke på innloggingssiden.",
                "1. Åpne portalens innloggingsside og velg **Glemt passordet?**\n"
                "2. Skriv e-postadressen du logger inn med.\n"
                "3. Åpne lenken i e-posten innen en time og velg et nytt passord.\n\n"
                "Lenken virker én gang. Kommer det ingen e-post, sjekk søppelposten eller spør kontaktpersonen din.",
            ),
            "es": (
                "Restablecer la contraseña",
                "¿Olvidó su contraseña? Pida un enlace en la página de inicio de sesión.",
                "1. Abra la página de inicio de sesión del portal y elija **¿Olvidó su contraseña?**\n"
                "2. Escriba la dirección de correo con la que inicia sesión.\n"
                "3. Abra el enlace del correo en menos de una hora y elija una contraseña nueva.\n\n"
                "El enlace funciona una vez. Si no llega el correo, revise la carpeta de spam "
                "o pregunte a su contacto.",
            ),
        },
    ),
    "invite-a-colleague": (
        "getting-started",
        Article.Visibility.PORTAL,
        Article.Status.PUBLISHED,
        {
            "en": (
                "Invite a colleague to the portal",
                "Company admins add colleagues and give them portal access.",
                "Open **Colleagues**, choose **Add colleague** and fill in the name and email address. "
                "Then give portal access: choose a profile and the dates. Your colleague gets an invitation "
                "email with a link that works for 72 hours.",
            ),
            "fi": (
                "Kollegan kutsuminen portaaliin",
                "Yrityksen pääkäyttäjät lisäävät kollegoita ja antavat heille portaalin käyttöoikeuden.",
                "Avaa **Kollegat**, valitse **Lisää kollega** ja täytä nimi ja sähköpostiosoite. "
                "Anna sitten käyttöoikeus: valitse profiili ja päivämäärät. Kollegasi saa kutsun "
                "sähköpostiin, ja sen linkki toimii 72 tuntia.",
            ),
            "sv": (
                "Bjud in en kollega till portalen",
                "Företagets administratörer lägger till kollegor och ger dem tillgång till portalen.",
                "Öppna **Kollegor**, välj **Lägg till kollega** och fyll i namn och e-postadress. "
                "Ge sedan tillgång: välj en profil och datum. Kollegan får en inbjudan per e-post "
                "med en länk som fungerar i 72 timmar.",
            ),
            "nb": (
                "Inviter en kollega til portalen",
                "Firmaets administratorer legger til kolleger og gir dem tilgang til portalen.",
                "Åpne **Kolleger**, velg **Legg til kollega** og fyll inn navn og e-postadresse. "
                "Gi deretter tilgang: velg en profil og datoer. Kollegaen får en invitasjon på e-post "
                "med en lenke som virker i 72 timer.",
            ),
            "es": (
                "Invitar a un compañero al portal",
                "Los administradores de la empresa añaden compañeros y les dan acceso al portal.",
                "Abra **Compañeros**, elija **Añadir compañero** y escriba el nombre y el correo. "
                "Después dé acceso: elija un perfil y las fechas. Su compañero recibe una invitación "
                "por correo con un enlace válido durante 72 horas.",
            ),
        },
    ),
    "read-your-invoice": (
        "billing",
        Article.Visibility.PORTAL,
        Article.Status.PUBLISHED,
        {
            "en": (
                "How to read your invoice",
                "What the reference number, due date and VAT lines on an invoice mean.",
                "## Reference number\nAlways pay with the **reference number**: it tells us which invoice you paid.\n\n"
                "## Due date\nPay by the due date to avoid a reminder fee.\n\n"
                "## VAT\nEach line shows its VAT rate; the total shows the VAT amount per rate.",
            ),
            "fi": (
                "Laskun lukeminen",
                "Mitä laskun viitenumero, eräpäivä ja arvonlisävero tarkoittavat.",
                "## Viitenumero\nMaksa aina **viitenumerolla**: siitä näemme, minkä laskun maksoit.\n\n"
                "## Eräpäivä\nMaksa eräpäivään mennessä, niin vältät muistutusmaksun.\n\n"
                "## Arvonlisävero\nJokaisella rivillä näkyy verokanta; loppusummassa vero verokannoittain.",
            ),
            "sv": (
                "Så läser du din faktura",
                "Vad referensnummer, förfallodag och moms på fakturan betyder.",
                "## Referensnummer\nBetala alltid med **referensnumret**: det visar vilken faktura du betalade.\n\n"
                "## Förfallodag\nBetala senast på förfallodagen för att undvika påminnelseavgift.\n\n"
                "## Moms\nVarje rad visar sin momssats; summan visar momsen per sats.",
            ),
            "nb": (
                "Slik leser du fakturaen",
                "Hva KID-nummer, forfallsdato og merverdiavgift på fakturaen betyr.",
                "## KID-nummer\nBetal alltid med **KID-nummeret**: det viser hvilken faktura du betalte.\n\n"
                "## Forfallsdato\nBetal innen forfallsdatoen for å unngå purregebyr.\n\n"
                "## Merverdiavgift\nHver linje viser avgiftssatsen; totalen viser avgiften per sats.",
            ),
            "es": (
                "Cómo leer su factura",
                "Qué significan la referencia, la fecha de vencimiento y el IVA de la factura.",
                "## Referencia\nPague siempre con la **referencia**: así sabemos qué factura ha pagado.\n\n"
                "## Fecha de vencimiento\nPague antes del vencimiento para evitar recargos.\n\n"
                "## IVA\nCada línea muestra su tipo de IVA; el total muestra el IVA por tipo.",
            ),
        },
    ),
    "open-a-support-case": (
        "support",
        Article.Visibility.PUBLIC,
        Article.Status.PUBLISHED,
        {
            "en": (
                "Open a support case",
                "Describe the problem, add a screenshot, and follow the answer in the portal.",
                "Before you open a case, search the knowledge base: many answers are here already.\n\n"
                "- Write a short subject that names the problem, e.g. *Printer does not print*.\n"
                "- Describe what you did, what you expected and what happened.\n"
                "- Attach screenshots or log files.\n\n"
                "You get an email when we answer, and you can reply from the portal or by email.",
            ),
            "fi": (
                "Tukipyynnön tekeminen",
                "Kuvaa ongelma, liitä kuvakaappaus ja seuraa vastausta portaalissa.",
                "Ennen kuin teet tukipyynnön, hae tietopankista: moni vastaus löytyy jo täältä.\n\n"
                "- Kirjoita lyhyt otsikko, joka nimeää ongelman, esim. *Tulostin ei tulosta*.\n"
                "- Kerro, mitä teit, mitä odotit ja mitä tapahtui.\n"
                "- Liitä kuvakaappauksia tai lokitiedostoja.\n\n"
                "Saat sähköpostin, kun vastaamme, ja voit vastata portaalissa tai sähköpostilla.",
            ),
            "sv": (
                "Skapa ett supportärende",
                "Beskriv problemet, bifoga en skärmbild och följ svaret i portalen.",
                "Sök i kunskapsbanken innan du skapar ett ärende: många svar finns redan här.\n\n"
                "- Skriv en kort rubrik som beskriver problemet, t.ex. *Skrivaren skriver inte ut*.\n"
                "- Beskriv vad du gjorde, vad du väntade dig och vad som hände.\n"
                "- Bifoga skärmbilder eller loggfiler.\n\n"
                "Du får ett e-postmeddelande när vi svarar och kan svara i portalen eller per e-post.",
            ),
            "nb": (
                "Opprett en supportsak",
                "Beskriv problemet, legg ved et skjermbilde og følg svaret i portalen.",
                "Søk i kunnskapsbasen før du oppretter en sak: mange svar finnes allerede her.\n\n"
                "- Skriv en kort tittel som beskriver problemet, f.eks. *Skriveren skriver ikke ut*.\n"
                "- Beskriv hva du gjorde, hva du forventet og hva som skjedde.\n"
                "- Legg ved skjermbilder eller loggfiler.\n\n"
                "Du får en e-post når vi svarer, og du kan svare i portalen eller på e-post.",
            ),
            "es": (
                "Abrir un caso de soporte",
                "Describa el problema, adjunte una captura y siga la respuesta en el portal.",
                "Antes de abrir un caso, busque en la base de conocimiento: muchas respuestas ya están aquí.\n\n"
                "- Escriba un asunto breve que nombre el problema, p. ej. *La impresora no imprime*.\n"
                "- Describa qué hizo, qué esperaba y qué ocurrió.\n"
                "- Adjunte capturas de pantalla o archivos de registro.\n\n"
                "Recibirá un correo cuando respondamos y podrá contestar en el portal o por correo.",
            ),
        },
    ),
    "priority-support-for-key-contacts": (
        "support",
        Article.Visibility.PROFILES,
        Article.Status.PUBLISHED,
        {
            "en": (
                "Priority support for key contacts",
                "Key contacts reach the support team directly for urgent problems.",
                "As a key contact you may mark a case **Urgent**. We answer urgent cases within two working hours, "
                "and your account manager follows them until they are solved.",
            ),
            "fi": (
                "Yhteyshenkilöiden kiireellinen tuki",
                "Yhteyshenkilöt tavoittavat tukitiimin suoraan kiireellisissä ongelmissa.",
                "Yhteyshenkilönä voit merkitä tukipyynnön **kiireelliseksi**. Vastaamme kiireellisiin pyyntöihin "
                "kahden työtunnin kuluessa, ja asiakasvastaavasi seuraa niitä ratkaisuun asti.",
            ),
            "sv": (
                "Prioriterad support för kontaktpersoner",
                "Kontaktpersoner når supporten direkt vid brådskande problem.",
                "Som kontaktperson kan du markera ett ärende som **Brådskande**. Vi svarar på brådskande ärenden "
                "inom två arbetstimmar, och din kundansvarige följer dem tills de är lösta.",
            ),
            "nb": (
                "Prioritert støtte for kontaktpersoner",
                "Kontaktpersoner når brukerstøtten direkte ved hastesaker.",
                "Som kontaktperson kan du merke en sak som **Haster**. Vi svarer på hastesaker innen to "
                "arbeidstimer, og kundeansvarlig følger dem til de er løst.",
            ),
            "es": (
                "Soporte prioritario para contactos clave",
                "Los contactos clave llegan directamente al equipo de soporte en problemas urgentes.",
                "Como contacto clave puede marcar un caso como **Urgente**. Respondemos a los casos urgentes en dos "
                "horas laborables, y su gestor de cuenta los sigue hasta que se resuelven.",
            ),
        },
    ),
    "new-invoice-layout": (
        "billing",
        Article.Visibility.PORTAL,
        Article.Status.DRAFT,
        {
            "en": (
                "Our new invoice layout",
                "A draft: what changes on invoices next quarter.",
                "Invoices get a QR code for mobile payment and a clearer summary of the period.",
            ),
        },
    ),
}

RELATED = [("reset-your-password", "invite-a-colleague"), ("open-a-support-case", "priority-support-for-key-contacts")]
# (article, contact email, helpful)
VOTES = [
    ("reset-your-password", "mikko.korhonen@revontuli.example", True),
    ("reset-your-password", "sara.holm@skargard.example", True),
    ("open-a-support-case", "olav.hansen@fjordlys.example", True),
    ("read-your-invoice", "javier.moreno@solana.example", False),
]


def load_demo_knowledge(*, author) -> None:
    """Create the demo categories, articles (five languages), related links and a few readers' votes."""
    categories = {
        slug: Category.objects.create(slug=slug, names=names, position=10 * (n + 1))
        for n, (slug, names) in enumerate(CATEGORIES.items())
    }
    now = timezone.now()
    articles = {}
    for n, (slug, (category, visibility, status, versions)) in enumerate(ARTICLES.items()):
        published = status == Article.Status.PUBLISHED
        article = Article.objects.create(
            slug=slug,
            category=categories[category],
            visibility=visibility,
            status=status,
            author=author,
            published_at=now - timedelta(days=30 - n) if published else None,
        )
        ArticleTranslation.objects.bulk_create(
            ArticleTranslation(article=article, language=language, title=title, summary=summary, body=body)
            for language, (title, summary, body) in versions.items()
        )
        articles[slug] = article
    articles["priority-support-for-key-contacts"].profiles.set(PortalProfile.objects.filter(name="Key contact"))
    for first, second in RELATED:
        articles[first].related.add(articles[second])
    contacts = {c.email: c for c in Contact.objects.filter(email__in=[email for _s, email, _h in VOTES])}
    ArticleVote.objects.bulk_create(
        ArticleVote(article=articles[slug], contact=contacts[email], helpful=helpful)
        for slug, email, helpful in VOTES
        if email in contacts
    )
    for article in Article.objects.annotate(
        up=Count("votes", filter=Q(votes__helpful=True)), down=Count("votes", filter=Q(votes__helpful=False))
    ):
        Article.objects.filter(pk=article.pk).update(helpful_count=article.up, not_helpful_count=article.down)


def load_demo(*, staff) -> None:
    """The knowledge base's part of `portico demo` (registered in KnowledgeConfig.ready)."""
    load_demo_knowledge(author=staff)
