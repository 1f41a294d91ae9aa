# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'first_run_dialog.ui'
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
    QDialogButtonBox, QFormLayout, QGroupBox, QLabel,
    QLineEdit, QPlainTextEdit, QSizePolicy, QVBoxLayout,
    QWidget)

class Ui_FirstRunDialog(object):
    def setupUi(self, FirstRunDialog):
        if not FirstRunDialog.objectName():
            FirstRunDialog.setObjectName(u"FirstRunDialog")
        FirstRunDialog.resize(520, 540)
        self.layout = QVBoxLayout(FirstRunDialog)
        self.layout.setObjectName(u"layout")
        self.intro = QLabel(FirstRunDialog)
        self.intro.setObjectName(u"intro")
        self.intro.setWordWrap(True)

        self.layout.addWidget(self.intro)

        self.form = QFormLayout()
        self.form.setObjectName(u"form")
        self.shop_name_label = QLabel(FirstRunDialog)
        self.shop_name_label.setObjectName(u"shop_name_label")

        self.form.setWidget(0, QFormLayout.ItemRole.LabelRole, self.shop_name_label)

        self.shop_name = QLineEdit(FirstRunDialog)
        self.shop_name.setObjectName(u"shop_name")

        self.form.setWidget(0, QFormLayout.ItemRole.FieldRole, self.shop_name)

        self.owner_name_label = QLabel(FirstRunDialog)
        self.owner_name_label.setObjectName(u"owner_name_label")

        self.form.setWidget(1, QFormLayout.ItemRole.LabelRole, self.owner_name_label)

        self.owner_name = QLineEdit(FirstRunDialog)
        self.owner_name.setObjectName(u"owner_name")

        self.form.setWidget(1, QFormLayout.ItemRole.FieldRole, self.owner_name)

        self.password_label = QLabel(FirstRunDialog)
        self.password_label.setObjectName(u"password_label")

        self.form.setWidget(2, QFormLayout.ItemRole.LabelRole, self.password_label)

        self.password = QLineEdit(FirstRunDialog)
        self.password.setObjectName(u"password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)

        self.form.setWidget(2, QFormLayout.ItemRole.FieldRole, self.password)

        self.repeat_label = QLabel(FirstRunDialog)
        self.repeat_label.setObjectName(u"repeat_label")

        self.form.setWidget(3, QFormLayout.ItemRole.LabelRole, self.repeat_label)

        self.repeat_password = QLineEdit(FirstRunDialog)
        self.repeat_password.setObjectName(u"repeat_password")
        self.repeat_password.setEchoMode(QLineEdit.EchoMode.Password)

        self.form.setWidget(3, QFormLayout.ItemRole.FieldRole, self.repeat_password)

        self.country_label = QLabel(FirstRunDialog)
        self.country_label.setObjectName(u"country_label")

        self.form.setWidget(4, QFormLayout.ItemRole.LabelRole, self.country_label)

        self.country = QComboBox(FirstRunDialog)
        self.country.setObjectName(u"country")

        self.form.setWidget(4, QFormLayout.ItemRole.FieldRole, self.country)


        self.layout.addLayout(self.form)

        self.invoice_box = QGroupBox(FirstRunDialog)
        self.invoice_box.setObjectName(u"invoice_box")
        self.invoice_form = QFormLayout(self.invoice_box)
        self.invoice_form.setObjectName(u"invoice_form")
        self.address_label = QLabel(self.invoice_box)
        self.address_label.setObjectName(u"address_label")

        self.invoice_form.setWidget(0, QFormLayout.ItemRole.LabelRole, self.address_label)

        self.address = QPlainTextEdit(self.invoice_box)
        self.address.setObjectName(u"address")
        self.address.setTabChangesFocus(True)

        self.invoice_form.setWidget(0, QFormLayout.ItemRole.FieldRole, self.address)

        self.bank_details_label = QLabel(self.invoice_box)
        self.bank_details_label.setObjectName(u"bank_details_label")

        self.invoice_form.setWidget(1, QFormLayout.ItemRole.LabelRole, self.bank_details_label)

        self.bank_details = QPlainTextEdit(self.invoice_box)
        self.bank_details.setObjectName(u"bank_details")
        self.bank_details.setTabChangesFocus(True)

        self.invoice_form.setWidget(1, QFormLayout.ItemRole.FieldRole, self.bank_details)

        self.tax_id_label = QLabel(self.invoice_box)
        self.tax_id_label.setObjectName(u"tax_id_label")

        self.invoice_form.setWidget(2, QFormLayout.ItemRole.LabelRole, self.tax_id_label)

        self.tax_id = QLineEdit(self.invoice_box)
        self.tax_id.setObjectName(u"tax_id")

        self.invoice_form.setWidget(2, QFormLayout.ItemRole.FieldRole, self.tax_id)


        self.layout.addWidget(self.invoice_box)

        self.error_label = QLabel(FirstRunDialog)
        self.error_label.setObjectName(u"error_label")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(u"color: #b3261e;")

        self.layout.addWidget(self.error_label)

        self.buttons = QDialogButtonBox(FirstRunDialog)
        self.buttons.setObjectName(u"buttons")
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Cancel|QDialogButtonBox.StandardButton.Ok)

        self.layout.addWidget(self.buttons)

#if QT_CONFIG(shortcut)
        self.shop_name_label.setBuddy(self.shop_name)
        self.owner_name_label.setBuddy(self.owner_name)
        self.password_label.setBuddy(self.password)
        self.repeat_label.setBuddy(self.repeat_password)
        self.country_label.setBuddy(self.country)
        self.address_label.setBuddy(self.address)
        self.bank_details_label.setBuddy(self.bank_details)
        self.tax_id_label.setBuddy(self.tax_id)
#endif // QT_CONFIG(shortcut)

        self.retranslateUi(FirstRunDialog)
    # setupUi

    def retranslateUi(self, FirstRunDialog):
        FirstRunDialog.setWindowTitle(QCoreApplication.translate("FirstRunDialog", u"Welcome to CRM Desktop", None))
        self.intro.setText(QCoreApplication.translate("FirstRunDialog", u"Let's set up your shop. You can change all of this later under File \u2192 Shop settings.", None))
        self.shop_name_label.setText(QCoreApplication.translate("FirstRunDialog", u"&Shop name", None))
        self.owner_name_label.setText(QCoreApplication.translate("FirstRunDialog", u"&Your name", None))
        self.password_label.setText(QCoreApplication.translate("FirstRunDialog", u"Your &password", None))
        self.password.setPlaceholderText(QCoreApplication.translate("FirstRunDialog", u"at least 8 characters; a short sentence is best", None))
        self.repeat_label.setText(QCoreApplication.translate("FirstRunDialog", u"&Repeat it", None))
        self.country_label.setText(QCoreApplication.translate("FirstRunDialog", u"&Country", None))
        self.invoice_box.setTitle(QCoreApplication.translate("FirstRunDialog", u"On your invoices (you can skip this and add it later)", None))
        self.address_label.setText(QCoreApplication.translate("FirstRunDialog", u"Shop &address", None))
        self.address.setPlaceholderText(QCoreApplication.translate("FirstRunDialog", u"street, postal code and town: the return address on every envelope", None))
        self.bank_details_label.setText(QCoreApplication.translate("FirstRunDialog", u"&Bank details", None))
        self.bank_details.setPlaceholderText(QCoreApplication.translate("FirstRunDialog", u"bank, IBAN or account and routing number: where customers pay", None))
        self.tax_id_label.setText(QCoreApplication.translate("FirstRunDialog", u"&Tax id", None))
        self.tax_id.setPlaceholderText(QCoreApplication.translate("FirstRunDialog", u"VAT or tax number, if you have one", None))
        self.error_label.setText("")
    # retranslateUi

