"""Imports every model module, so that the metadata (and Alembic's autogenerate) sees every table."""

from app.accounts.models import RoleGrant, User  # noqa: F401
from app.certification.models import (  # noqa: F401
    Appeal,
    AppealEvent,
    AppealPanelMember,
    Assessment,
    AssessmentEvent,
    AssessmentMark,
    Assessor,
    AssessorScheme,
    Candidacy,
    CandidacyEvent,
    Decision,
    DeclaredConflict,
    Decree,
    ExamSession,
    ExamSessionEvent,
    ExamSessionScheme,
    Scheme,
    SchemeUnit,
    SchemeVersion,
    SelfAssessment,
    SessionAssessor,
)
from app.core.audit import AuditEvent  # noqa: F401
from app.core.jobs import Job  # noqa: F401
from app.core.mail import OutgoingMail  # noqa: F401
from app.core.numbering import NumberPattern, NumberSeries  # noqa: F401
from app.credentials.models import Certificate, CertificateEvent, Licence, LicenceEvent  # noqa: F401
from app.documents.models import IssuedDocument  # noqa: F401
from app.institutions.models import Institution, PersonInstitution  # noqa: F401
from app.people.models import Person  # noqa: F401
from app.reference.models import (  # noqa: F401
    Category,
    CategoryOption,
    CertificationBody,
    EducationLevel,
    Region,
    Religion,
    TrainingProvider,
)
from app.registration.models import Document, Registration, RegistrationEvent  # noqa: F401
from app.training.models import (  # noqa: F401
    AttendanceMark,
    Enrolment,
    EnrolmentEvent,
    Facilitator,
    Programme,
    ProgrammeTarget,
    TrainingRecord,
    TrainingRecordEvent,
    TrainingSession,
    TrainingSessionEvent,
)
