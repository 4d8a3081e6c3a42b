//! The words the sandbox puts into tickets itself: default titles, the placeholder of a
//! confidential-only reply, and the simulated engineer's answer in each language.

use workorder_api::Language;

/// The title a ticket gets when none is given: the first line of its content, shortened.
pub(super) fn default_title(content: &str) -> String {
    let line = content.lines().next().unwrap_or_default().trim();
    line.chars().take(50).collect()
}

/// Shown as the content of a reply that carried only `SecretContent`.
pub(super) fn confidential_placeholder(language: Language) -> &'static str {
    match language {
        Language::Zh => "（机密备注）",
        Language::En => "(confidential note)",
        Language::Jp => "（機密メモ）",
    }
}

/// The simulated engineer's answer to a user note.
pub(super) fn engineer_text(language: Language) -> &'static str {
    match language {
        Language::Zh => {
            "您好，工程师已收到您的问题并开始排查。请确认问题是否仍然存在，并补充相关报错信息，以便我们进一步处理。"
        }
        Language::En => {
            "Hello, a support engineer has picked up your ticket and is looking into it. Could you confirm the problem still occurs and share any error messages you see?"
        }
        Language::Jp => {
            "お問い合わせありがとうございます。サポートエンジニアが調査を開始しました。問題が引き続き発生しているかご確認のうえ、エラーメッセージがあればお知らせください。"
        }
    }
}
