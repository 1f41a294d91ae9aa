# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'customer_form.ui'
##
## Created by: Qt User Interface Compiler version 6.12.0
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from PySide6.QtCore import (QCoreApplication, QDate, QDateTime, QLocale,
    QMetaObject, QObject, QPoint, QRect,
    QSize, QTime, QUrl, Qt)
from PySide6.QtGui import (QBrush, QColor, QConicalGradient, QCursor,
    QFont, QFontDatabase, QGradient, QIcon,
    QImage, QKeySequence, QLinearGradient, QPainter,
    QPalette, QPixmap, QRadialGradient, QTransform)
from PySide6.QtWidgets import (QAbstractButton, QApplication, QComboBox, QDialog,
    QDialogButtonBox, QFormLayout, QFrame, QGroupBox,
    QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QScrollArea, QSizePolicy, QSpacerItem, QVBoxLayout,
    QWidget)

class Ui_CustomerForm(object):
    def setupUi(self, CustomerForm):
        if not CustomerForm.objectName():
            CustomerForm.setObjectName(u"CustomerForm")
        CustomerForm.resize(720, 760)
        self.dialog_layout = QVBoxLayout(CustomerForm)
        self.dialog_layout.setObjectName(u"dialog_layout")
        self.error_banner = QLabel(CustomerForm)
        self.error_banner.setObjectName(u"error_banner")
        self.error_banner.setWordWrap(True)
        self.error_banner.setStyleSheet(u"background: #fdecea; color: #8a1c12; border: 1px solid #f5c2bd; border-radius: 4px; padding: 6px;")

        self.dialog_layout.addWidget(self.error_banner)

        self.scroll = QScrollArea(CustomerForm)
        self.scroll.setObjectName(u"scroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_body = QWidget()
        self.scroll_body.setObjectName(u"scroll_body")
        self.body_layout = QVBoxLayout(self.scroll_body)
        self.body_layout.setObjectName(u"body_layout")
        self.name_group = QGroupBox(self.scroll_body)
        self.name_group.setObjectName(u"name_group")
        self.name_form = QFormLayout(self.name_group)
        self.name_form.setObjectName(u"name_form")
        self.first_name_label = QLabel(self.name_group)
        self.first_name_label.setObjectName(u"first_name_label")

        self.name_form.setWidget(0, QFormLayout.ItemRole.LabelRole, self.first_name_label)

        self.first_name = QLineEdit(self.name_group)
        self.first_name.setObjectName(u"first_name")

        self.name_form.setWidget(0, QFormLayout.ItemRole.FieldRole, self.first_name)

        self.last_name_label = QLabel(self.name_group)
        self.last_name_label.setObjectName(u"last_name_label")

        self.name_form.setWidget(1, QFormLayout.ItemRole.LabelRole, self.last_name_label)

        self.last_name = QLineEdit(self.name_group)
        self.last_name.setObjectName(u"last_name")

        self.name_form.setWidget(1, QFormLayout.ItemRole.FieldRole, self.last_name)

        self.company_label = QLabel(self.name_group)
        self.company_label.setObjectName(u"company_label")

        self.name_form.setWidget(2, QFormLayout.ItemRole.LabelRole, self.company_label)

        self.company = QLineEdit(self.name_group)
        self.company.setObjectName(u"company")

        self.name_form.setWidget(2, QFormLayout.ItemRole.FieldRole, self.company)


        self.body_layout.addWidget(self.name_group)

        self.contact_group = QGroupBox(self.scroll_body)
        self.contact_group.setObjectName(u"contact_group")
        self.contact_group_layout = QVBoxLayout(self.contact_group)
        self.contact_group_layout.setObjectName(u"contact_group_layout")
        self.contacts_layout = QVBoxLayout()
        self.contacts_layout.setObjectName(u"contacts_layout")

        self.contact_group_layout.addLayout(self.contacts_layout)

        self.contact_buttons = QHBoxLayout()
        self.contact_buttons.setObjectName(u"contact_buttons")
        self.add_phone = QPushButton(self.contact_group)
        self.add_phone.setObjectName(u"add_phone")

        self.contact_buttons.addWidget(self.add_phone)

        self.add_email = QPushButton(self.contact_group)
        self.add_email.setObjectName(u"add_email")

        self.contact_buttons.addWidget(self.add_email)

        self.contact_spacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.contact_buttons.addItem(self.contact_spacer)


        self.contact_group_layout.addLayout(self.contact_buttons)


        self.body_layout.addWidget(self.contact_group)

        self.address_group = QGroupBox(self.scroll_body)
        self.address_group.setObjectName(u"address_group")
        self.address_group_layout = QVBoxLayout(self.address_group)
        self.address_group_layout.setObjectName(u"address_group_layout")
        self.addresses_layout = QVBoxLayout()
        self.addresses_layout.setObjectName(u"addresses_layout")

        self.address_group_layout.addLayout(self.addresses_layout)

        self.address_buttons = QHBoxLayout()
        self.address_buttons.setObjectName(u"address_buttons")
        self.add_address = QPushButton(self.address_group)
        self.add_address.setObjectName(u"add_address")

        self.address_buttons.addWidget(self.add_address)

        self.address_spacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.address_buttons.addItem(self.address_spacer)


        self.address_group_layout.addLayout(self.address_buttons)


        self.body_layout.addWidget(self.address_group)

        self.preference_group = QGroupBox(self.scroll_body)
        self.preference_group.setObjectName(u"preference_group")
        self.preference_group_layout = QVBoxLayout(self.preference_group)
        self.preference_group_layout.setObjectName(u"preference_group_layout")
        self.preferences_layout = QVBoxLayout()
        self.preferences_layout.setObjectName(u"preferences_layout")

        self.preference_group_layout.addLayout(self.preferences_layout)

        self.preference_buttons = QHBoxLayout()
        self.preference_buttons.setObjectName(u"preference_buttons")
        self.add_preference = QPushButton(self.preference_group)
        self.add_preference.setObjectName(u"add_preference")

        self.preference_buttons.addWidget(self.add_preference)

        self.preference_spacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.preference_buttons.addItem(self.preference_spacer)


        self.preference_group_layout.addLayout(self.preference_buttons)


        self.body_layout.addWidget(self.preference_group)

        self.dates_group = QGroupBox(self.scroll_body)
        self.dates_group.setObjectName(u"dates_group")
        self.dates_group_layout = QVBoxLayout(self.dates_group)
        self.dates_group_layout.setObjectName(u"dates_group_layout")
        self.dates_layout = QVBoxLayout()
        self.dates_layout.setObjectName(u"dates_layout")

        self.dates_group_layout.addLayout(self.dates_layout)

        self.date_buttons = QHBoxLayout()
        self.date_buttons.setObjectName(u"date_buttons")
        self.add_date = QPushButton(self.dates_group)
        self.add_date.setObjectName(u"add_date")

        self.date_buttons.addWidget(self.add_date)

        self.date_spacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.date_buttons.addItem(self.date_spacer)


        self.dates_group_layout.addLayout(self.date_buttons)


        self.body_layout.addWidget(self.dates_group)

        self.relationship_group = QGroupBox(self.scroll_body)
        self.relationship_group.setObjectName(u"relationship_group")
        self.relationship_form = QFormLayout(self.relationship_group)
        self.relationship_form.setObjectName(u"relationship_form")
        self.status_label = QLabel(self.relationship_group)
        self.status_label.setObjectName(u"status_label")

        self.relationship_form.setWidget(0, QFormLayout.ItemRole.LabelRole, self.status_label)

        self.status = QComboBox(self.relationship_group)
        self.status.setObjectName(u"status")

        self.relationship_form.setWidget(0, QFormLayout.ItemRole.FieldRole, self.status)

        self.lost_reason_label = QLabel(self.relationship_group)
        self.lost_reason_label.setObjectName(u"lost_reason_label")

        self.relationship_form.setWidget(1, QFormLayout.ItemRole.LabelRole, self.lost_reason_label)

        self.lost_reason = QLineEdit(self.relationship_group)
        self.lost_reason.setObjectName(u"lost_reason")

        self.relationship_form.setWidget(1, QFormLayout.ItemRole.FieldRole, self.lost_reason)

        self.owner_label = QLabel(self.relationship_group)
        self.owner_label.setObjectName(u"owner_label")

        self.relationship_form.setWidget(2, QFormLayout.ItemRole.LabelRole, self.owner_label)

        self.owner = QComboBox(self.relationship_group)
        self.owner.setObjectName(u"owner")

        self.relationship_form.setWidget(2, QFormLayout.ItemRole.FieldRole, self.owner)

        self.tags_label = QLabel(self.relationship_group)
        self.tags_label.setObjectName(u"tags_label")

        self.relationship_form.setWidget(3, QFormLayout.ItemRole.LabelRole, self.tags_label)

        self.tags = QLineEdit(self.relationship_group)
        self.tags.setObjectName(u"tags")

        self.relationship_form.setWidget(3, QFormLayout.ItemRole.FieldRole, self.tags)

        self.source_label = QLabel(self.relationship_group)
        self.source_label.setObjectName(u"source_label")

        self.relationship_form.setWidget(4, QFormLayout.ItemRole.LabelRole, self.source_label)

        self.source = QLineEdit(self.relationship_group)
        self.source.setObjectName(u"source")

        self.relationship_form.setWidget(4, QFormLayout.ItemRole.FieldRole, self.source)


        self.body_layout.addWidget(self.relationship_group)

        self.body_spacer = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.body_layout.addItem(self.body_spacer)

        self.scroll.setWidget(self.scroll_body)

        self.dialog_layout.addWidget(self.scroll)

        self.buttons = QDialogButtonBox(CustomerForm)
        self.buttons.setObjectName(u"buttons")
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Cancel|QDialogButtonBox.StandardButton.Save)

        self.dialog_layout.addWidget(self.buttons)

#if QT_CONFIG(shortcut)
        self.first_name_label.setBuddy(self.first_name)
        self.last_name_label.setBuddy(self.last_name)
        self.company_label.setBuddy(self.company)
        self.status_label.setBuddy(self.status)
        self.lost_reason_label.setBuddy(self.lost_reason)
        self.owner_label.setBuddy(self.owner)
        self.tags_label.setBuddy(self.tags)
        self.source_label.setBuddy(self.source)
#endif // QT_CONFIG(shortcut)
        QWidget.setTabOrder(self.first_name, self.last_name)
        QWidget.setTabOrder(self.last_name, self.company)

        self.retranslateUi(CustomerForm)
    # setupUi

    def retranslateUi(self, CustomerForm):
        CustomerForm.setWindowTitle(QCoreApplication.translate("CustomerForm", u"Customer", None))
        self.error_banner.setText("")
        self.name_group.setTitle(QCoreApplication.translate("CustomerForm", u"Name", None))
        self.first_name_label.setText(QCoreApplication.translate("CustomerForm", u"&First name", None))
        self.last_name_label.setText(QCoreApplication.translate("CustomerForm", u"&Last name", None))
        self.company_label.setText(QCoreApplication.translate("CustomerForm", u"C&ompany", None))
        self.company.setPlaceholderText(QCoreApplication.translate("CustomerForm", u"optional", None))
        self.contact_group.setTitle(QCoreApplication.translate("CustomerForm", u"Phones and e-mail", None))
        self.add_phone.setText(QCoreApplication.translate("CustomerForm", u"Add &phone", None))
        self.add_email.setText(QCoreApplication.translate("CustomerForm", u"Add &e-mail", None))
        self.address_group.setTitle(QCoreApplication.translate("CustomerForm", u"Addresses", None))
        self.add_address.setText(QCoreApplication.translate("CustomerForm", u"Add a&ddress", None))
        self.preference_group.setTitle(QCoreApplication.translate("CustomerForm", u"Preferences: how they like to be served", None))
        self.add_preference.setText(QCoreApplication.translate("CustomerForm", u"Add p&reference", None))
        self.dates_group.setTitle(QCoreApplication.translate("CustomerForm", u"Important dates", None))
        self.add_date.setText(QCoreApplication.translate("CustomerForm", u"Add a da&te", None))
        self.relationship_group.setTitle(QCoreApplication.translate("CustomerForm", u"Relationship", None))
        self.status_label.setText(QCoreApplication.translate("CustomerForm", u"&Status", None))
        self.lost_reason_label.setText(QCoreApplication.translate("CustomerForm", u"Why &lost", None))
        self.owner_label.setText(QCoreApplication.translate("CustomerForm", u"O&wner", None))
        self.tags_label.setText(QCoreApplication.translate("CustomerForm", u"&Tags", None))
        self.tags.setPlaceholderText(QCoreApplication.translate("CustomerForm", u"comma-separated, e.g. VIP, Regular", None))
        self.source_label.setText(QCoreApplication.translate("CustomerForm", u"How they &found us", None))
    # retranslateUi

