// app.js — the fcc example as an AWS CDK app, for bench/build.sh.
//
// Synthesises the template `fcc build examples/forecast-mlops/project.spec`
// writes (build/template.yaml), written the way a CDK user would: L2
// constructs, with escape hatches only where the L2 API cannot say what fcc's
// template says. The same logical ids (overrideLogicalId), parameters and
// output, so bench/build.sh can check that both templates hold the same
// resources before it times them. Plain JavaScript, so `cdk synth` runs no
// TypeScript compile step and times CDK itself.
//
// Environment:
//   FCC_BENCH_EXTRA=N       also make N/2 SQS queues Q<i> and N/2 SNS topics T<i>
//                           (i zero-padded to 4) subscribed to them, as
//                           bench/gen_build_spec.py writes into the spec (default 0)
//   FCC_BENCH_SEED_ZIP=PATH the seed-code zip (fcc's build/seed-code.zip) as a
//                           CDK file asset for the repository's Code.S3, which
//                           synth hashes and copies into the output directory, as
//                           fcc hashes its zip; unset: the fixed bucket/key fcc uses
//
// No env on the stack (environment-agnostic), so synth makes no account or
// context lookups; bench/build.sh runs the CLI with --no-version-reporting
// --no-notices and CDK_DISABLE_VERSION_CHECK=1, so nothing reaches the network.
'use strict';

const cdk = require('aws-cdk-lib');
const codebuild = require('aws-cdk-lib/aws-codebuild');
const codecommit = require('aws-cdk-lib/aws-codecommit');
const codepipeline = require('aws-cdk-lib/aws-codepipeline');
const actions = require('aws-cdk-lib/aws-codepipeline-actions');
const events = require('aws-cdk-lib/aws-events');
const targets = require('aws-cdk-lib/aws-events-targets');
const iam = require('aws-cdk-lib/aws-iam');
const s3 = require('aws-cdk-lib/aws-s3');
const sns = require('aws-cdk-lib/aws-sns');
const sqs = require('aws-cdk-lib/aws-sqs');

const { Aws, Duration, Fn, RemovalPolicy, Tags } = cdk;

const PROJECT = 'forecast-mlops';
const BRANCH = 'main';
// fcc's artifacts.bucket/prefix and the zip's content address, for the fixed Code.S3.
const SEED_BUCKET = 'sagemaker-us-east-1-111122223333';
const SEED_KEY = 'forecast-mlops/seedcode/a9c22b7ae6cdfc53752345d08cf8d5dd93b2e1c247e90f44abdb38decd3cebe4.zip';

function extraCount() {
	const raw = process.env.FCC_BENCH_EXTRA || '0';
	const n = Number(raw);
	if (!Number.isInteger(n) || n < 0 || n % 2 !== 0)
		throw new Error(`FCC_BENCH_EXTRA must be an even count, not '${raw}'`);
	return n;
}

// Give a construct's CloudFormation resource the logical id fcc uses.
function id(construct, logicalId) {
	construct.node.defaultChild.overrideLogicalId(logicalId);
	return construct;
}

function projectTag(construct) {
	Tags.of(construct).add('fcc:project', PROJECT);
}

function roleArn(name) {
	return Fn.sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/service-role/${name}`);
}

class ForecastMlopsStack extends cdk.Stack {
	constructor(scope, name, props) {
		super(scope, name, props);
		this.templateOptions.metadata = {
			fcc: { Generator: 'aws-cdk', Project: PROJECT, Product: 'forecast-mlops-template', ProductVersion: '1.0' },
		};

		const projectName = new cdk.CfnParameter(this, 'SageMakerProjectName', {
			type: 'String',
			description: 'Service generated name of the SageMaker project',
			minLength: 1,
			maxLength: 32,
			allowedPattern: '^[a-zA-Z](-*[a-zA-Z0-9])*',
		});
		new cdk.CfnParameter(this, 'SageMakerProjectId', {
			type: 'String',
			description: 'Service generated id of the SageMaker project (p- and 12 characters)',
			minLength: 1,
			maxLength: 16,
		});

		// The roles are the Service Catalog product roles fcc patches; imported
		// immutable, so CDK adds no policies or roles of its own.
		const useRole = iam.Role.fromRoleArn(this, 'UseRole',
			roleArn('AmazonSageMakerServiceCatalogProductsUseRole'), { mutable: false });

		const bucket = id(new s3.Bucket(this, 'MlOpsArtifactsBucket', {
			bucketName: Fn.sub('sagemaker-project-${SageMakerProjectId}'),
			encryption: s3.BucketEncryption.S3_MANAGED,
			blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
			removalPolicy: RemovalPolicy.RETAIN,
		}), 'MlOpsArtifactsBucket');
		projectTag(bucket);

		const zip = process.env.FCC_BENCH_SEED_ZIP;
		const repo = id(new codecommit.Repository(this, 'ModelBuildCodeCommitRepository', {
			repositoryName: Fn.sub('sagemaker-${SageMakerProjectName}-${SageMakerProjectId}-modelbuild'),
			description: Fn.sub('SageMaker model building workflow (Amazon Forecast) for the project ${SageMakerProjectName}'),
			code: zip ? codecommit.Code.fromZipFile(zip, BRANCH) : undefined,
		}), 'ModelBuildCodeCommitRepository');
		if (!zip)
			repo.node.defaultChild.code = { s3: { bucket: SEED_BUCKET, key: SEED_KEY }, branchName: BRANCH };
		projectTag(repo);

		const project = id(new codebuild.PipelineProject(this, 'SageMakerModelPipelineBuildProject', {
			projectName: Fn.sub('sagemaker-${SageMakerProjectName}-${SageMakerProjectId}-modelbuild'),
			description: 'Builds the model building code, creates or updates the SageMaker pipeline and starts it',
			role: useRole,
			environment: {
				buildImage: codebuild.LinuxBuildImage.AMAZON_LINUX_2_5,
				computeType: codebuild.ComputeType.SMALL,
			},
			environmentVariables: {
				SAGEMAKER_PROJECT_NAME: { value: projectName.valueAsString },
				SAGEMAKER_PROJECT_ID: { value: Fn.ref('SageMakerProjectId') },
				ARTIFACT_BUCKET: { value: bucket.bucketName },
				SAGEMAKER_PIPELINE_NAME: { value: Fn.sub('sagemaker-${SageMakerProjectName}') },
				SAGEMAKER_PIPELINE_ROLE_ARN: { value: roleArn('AmazonSageMakerServiceCatalogProductsExecutionRole') },
				AWS_REGION: { value: Aws.REGION },
				FCC_PIPELINE_MODULE: { value: 'forecast' },
			},
			buildSpec: codebuild.BuildSpec.fromSourceFilename('codebuild-buildspec.yml'),
			timeout: Duration.minutes(480),
		}), 'SageMakerModelPipelineBuildProject');
		projectTag(project);

		const source = new codepipeline.Artifact('ModelBuildSourceArtifact');
		const built = new codepipeline.Artifact('ModelBuildBuildArtifact');
		const pipeline = id(new codepipeline.Pipeline(this, 'ModelBuildPipeline', {
			pipelineName: Fn.sub('sagemaker-${SageMakerProjectName}-${SageMakerProjectId}-modelbuild'),
			role: useRole,
			artifactBucket: bucket,
			pipelineType: codepipeline.PipelineType.V1, // fcc's template leaves the default, V1
			stages: [
				{
					stageName: 'Source',
					actions: [new actions.CodeCommitSourceAction({
						actionName: 'ModelBuildWorkflowCode',
						repository: repo,
						branch: BRANCH,
						output: source,
						trigger: actions.CodeCommitTrigger.NONE, // the rule below starts it
						role: useRole,
					})],
				},
				{
					stageName: 'Build',
					actions: [new actions.CodeBuildAction({
						actionName: 'BuildAndExecuteSageMakerPipeline',
						project,
						input: source,
						outputs: [built],
						runOrder: 1,
						role: useRole,
					})],
				},
			],
		}), 'ModelBuildPipeline');
		projectTag(pipeline);

		const rule = id(new events.Rule(this, 'ModelBuildCodeCommitEventRule', {
			ruleName: Fn.sub('sagemaker-${SageMakerProjectName}-${SageMakerProjectId}-code'),
			description: "Start the model build pipeline when the repository's branch changes",
			eventPattern: {
				source: ['aws.codecommit'],
				detailType: ['CodeCommit Repository State Change'],
				resources: [repo.repositoryArn],
				detail: {
					event: ['referenceCreated', 'referenceUpdated'],
					referenceType: ['branch'],
					referenceName: [BRANCH],
				},
			},
			enabled: true,
			targets: [new targets.CodePipeline(pipeline, { eventRole: useRole })],
		}), 'ModelBuildCodeCommitEventRule');
		// The L2 target has no id option; fcc names it.
		rule.node.defaultChild.addPropertyOverride('Targets.0.Id', Fn.sub('codecommit-${SageMakerProjectName}-trigger'));
		projectTag(rule);

		const notifications = id(new sns.Topic(this, 'PipelineNotifications', {
			topicName: Fn.sub('sagemaker-${SageMakerProjectName}-notifications'),
		}), 'PipelineNotifications');
		new cdk.CfnOutput(this, 'NotificationTopic', { value: notifications.topicArn });

		this.addExtras(extraCount());
	}

	// The resources bench/gen_build_spec.py adds to the spec: pairs of a queue
	// and a topic subscribed to it, with the same names, properties and tags.
	addExtras(n) {
		for (let i = 0; i < n / 2; i++) {
			const p = String(i).padStart(4, '0');
			const queue = id(new sqs.Queue(this, `Q${p}`, {
				queueName: Fn.sub(`sagemaker-\${SageMakerProjectName}-q${p}`),
				retentionPeriod: Duration.seconds(345600),
				visibilityTimeout: Duration.seconds(30 + (i % 8) * 15),
			}), `Q${p}`);
			const topic = id(new sns.Topic(this, `T${p}`, {
				topicName: Fn.sub(`sagemaker-\${SageMakerProjectName}-t${p}`),
				displayName: `Events ${i}`,
			}), `T${p}`);
			topic.node.defaultChild.subscription = [{ protocol: 'sqs', endpoint: queue.queueArn }];
			for (const c of [queue, topic]) {
				Tags.of(c).add('team', 'ml-platform');
				Tags.of(c).add('shard', String(i % 16));
				Tags.of(c).add('project', Fn.ref('SageMakerProjectName'));
			}
		}
	}
}

const app = new cdk.App();
new ForecastMlopsStack(app, 'ForecastMlops', {
	description: 'Model building and training with Amazon Forecast',
	// No bootstrap-version parameter and rule: fcc's template has neither.
	synthesizer: new cdk.DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
});
app.synth();
